"""Services take configuration as parameters (issue 10, point 5).

Only the edges read the app's configuration: API routes and pages, CLI commands, RQ jobs
(``workers/``), the app factory and the few request-time hooks and decorators listed below.
They pass ``hotline.settings.Settings`` (from ``current_settings()``), or the one value needed,
into the services. A service module that reads ``current_app.config`` or calls
``current_settings()`` behaves differently inside and outside a request, so this test fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "hotline"

# Edge modules: prefixes of paths relative to hotline/.
EDGES = (
    "api/",
    "web/",
    "cli",  # cli.py
    "operations",  # operations.py, operations_cli.py
    "__init__.py",
    "config.py",
    "settings.py",
    "worker",  # worker.py, worker_threads.py
    "door.py",
    "health.py",
    "errors.py",
)
# Route modules kept beside their feature (``<feature>/routes.py``, ``reporting/monthly_routes.py``).
ROUTE_SUFFIX = "routes.py"
# Request-time hooks and decorators: they run per request on the request's app, never in a service.
REQUEST_HOOKS = {
    "auth/limits.py": "flask-limiter callables of the sign-in routes' decorators (tests change the limit at run time)",
    "intake/limits.py": "flask-limiter callable of the public routes' decorator",
    "intake/signatures.py": "the Twilio webhooks' signature check, a route decorator reading the request",
    "uploads.py": "a before_request hook raising the body limit of the upload endpoints",
}
# Still reading the config, with the reason; shrink this, never grow it.
KNOWN: dict[str, str] = {}
FORBIDDEN = ("current_app.config", "current_settings(")


def _is_edge(relative: str) -> bool:
    return (
        relative.startswith(EDGES) or relative.endswith(ROUTE_SUFFIX) or relative in REQUEST_HOOKS or relative in KNOWN
    )


def _service_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if not _is_edge(p.relative_to(PACKAGE).as_posix()))


def test_there_are_service_modules_to_check():
    found = {p.relative_to(PACKAGE).as_posix() for p in _service_modules()}
    assert {"dispatch/services.py", "intake/tickets.py", "tracking/services.py", "children/services.py"} <= found


@pytest.mark.parametrize("path", _service_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_services_do_not_read_the_configuration(path: Path):
    text = path.read_text(encoding="utf-8")
    found = [word for word in FORBIDDEN if word in text]
    assert not found, f"hotline/{path.relative_to(PACKAGE).as_posix()} reads {found}: take it as a parameter"


def test_the_known_exceptions_still_need_their_place():
    """An exception that no longer reads the config is taken off the list (so it stays checked)."""
    for relative in {**KNOWN, **REQUEST_HOOKS}:
        assert "current_app.config" in (PACKAGE / relative).read_text(encoding="utf-8"), relative


# Adapters are passed in too: a service neither opens Redis nor a queue itself (the edges hand
# it a ``SendQueue`` or a Redis connection). ``queues.py`` is where they are made.
ADAPTER_FACTORIES = ("get_redis(", "get_queue(")
ADAPTER_HOME = {"queues.py"}


@pytest.mark.parametrize(
    "path",
    [p for p in _service_modules() if p.relative_to(PACKAGE).as_posix() not in ADAPTER_HOME],
    ids=lambda p: p.relative_to(PACKAGE).as_posix(),
)
def test_services_take_redis_and_queues_from_the_edges(path: Path):
    text = path.read_text(encoding="utf-8")
    found = [word for word in ADAPTER_FACTORIES if word in text]
    assert not found, f"hotline/{path.relative_to(PACKAGE).as_posix()} makes {found}: take the adapter as a parameter"
