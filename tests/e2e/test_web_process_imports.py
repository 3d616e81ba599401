"""A web worker (gunicorn.conf.py sets HOTLINE_WEB_PROCESS=1) starts without the modules only
the command line, a spreadsheet or a recording needs: each costs every worker's memory
(issue 13; bench/bench_memory.py measures the RSS). The command line still has `flask db`."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("alembic", "flask_migrate", "openpyxl", "twilio.rest", "requests")


def _loaded(service_env: dict[str, str], **env: str) -> list[str]:
    code = f"import sys, json, wsgi; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(service_env, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_web_worker_starts_without_command_line_spreadsheet_or_rest_modules(service_env, migrated):
    assert _loaded(service_env, HOTLINE_WEB_PROCESS="1") == []


def test_the_command_line_keeps_its_migrations(service_env, migrated, flask_cli):
    assert "flask_migrate" in _loaded(service_env)
    current = flask_cli("db", "current")
    assert current.returncode == 0, current.stderr
