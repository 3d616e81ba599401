# hotline: two commands for a newcomer (Python 3.11+ and a C compiler, nothing else).
#   make run   create .venv, install, migrate, seed, then web + worker + cron until Ctrl-C
#   make test  the whole test suite (TEST_DATABASE_URL / TEST_REDIS_URL select real servers)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements.stamp
PORT ?= 5000

.PHONY: run test lint

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi hotline seed
	HOTLINE_WEB_PORT=$(PORT) $(BIN)/honcho start -f Procfile -p $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check hotline workers tests bench
