# hotline: two commands for a newcomer (Python 3.11+ and a C compiler, nothing else).
#   make run   create .venv, install, migrate, seed, then web + worker + cron until Ctrl-C
#   make test  ruff, import-linter, mypy (strict on the kernel), then the whole test suite
#              (TEST_DATABASE_URL / TEST_REDIS_URL select real servers)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements.stamp
DEV_STAMP := $(VENV)/.requirements-dev.stamp
PORT ?= 5000
# Test processes (pytest-xdist): each gets its own database and Redis database number.
TEST_WORKERS ?= 2

.PHONY: run test check lint

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Test and check tools: only `make test` installs them.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi hotline seed
	HOTLINE_WEB_PORT=$(PORT) $(BIN)/honcho start -f Procfile -p $(PORT)

# Architecture and style first (seconds), then the suite.
test: check
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

check: $(DEV_STAMP)
	$(BIN)/ruff check hotline workers tests bench
	$(BIN)/ruff format --check hotline workers tests bench
	PYTHONPATH=. $(BIN)/lint-imports --no-cache
	$(BIN)/mypy

lint: check
