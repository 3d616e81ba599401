"""hotline: intake and dispatch for the minors' social protection hotline."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from hotline import config as config_module
from hotline.settings import install as install_settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. No I/O happens at import; this wires extensions, blueprints, errors, CLI."""
    app = Flask(__name__, instance_path=str(config_module.ROOT / "instance"), instance_relative_config=False)
    app.config.update(config_module.defaults())
    app.config.update(config_module.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["HOTLINE_MAX_BODY_BYTES"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _use_secret_key(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    _load_calendar()
    _wire_features()
    _harden(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    install_settings(app)
    _wire_outbox()
    return app


def send_queue(app: Flask):
    """The app's ``SendQueue`` (hotline.notify.outbox): its Redis and the SMS retry intervals,
    for the services that enqueue sends (the send job, the sweep, the after-commit hook)."""
    from hotline.notify.outbox import SendQueue
    from hotline.queues import get_redis
    from hotline.settings import EXTENSION

    return SendQueue(redis=lambda: get_redis(app), retry_intervals=app.extensions[EXTENSION].sms_retry_intervals)


def _enqueue_committed(session) -> None:
    from flask import current_app

    from hotline.notify.outbox import enqueue_committed

    enqueue_committed(session, send_queue(current_app._get_current_object()))


def _wire_outbox() -> None:
    """Messages written in a transaction are enqueued once it commits, on the committing app's
    queue: the hook is attached here, at the edge, to the app's session (once per process)."""
    from sqlalchemy import event

    from hotline.extensions import db

    if not event.contains(db.session, "after_commit", _enqueue_committed):
        event.listen(db.session, "after_commit", _enqueue_committed)


def _wire_features() -> None:
    """Packages that build on escalation join its pass, queue and digest here
    (hotline.escalation.hooks); their tables join the shared metadata by being imported."""
    from hotline.children import wiring

    wiring.register()


def _use_secret_key(app: Flask) -> None:
    """Refuse to start with a guessable key; without one, use (and create) instance/secret_key."""
    from hotline.secret_key import resolve

    key, path = resolve(app.config.get("SECRET_KEY"), Path(app.instance_path), config_module.ROOT)
    app.config["SECRET_KEY"] = key
    app.config["HOTLINE_SECRET_KEY_FILE"] = str(path) if path else None


NO_STORE_EXEMPT = ("/api/docs", "/api/v1/openapi.json", "/static/")


def _harden(app: Flask) -> None:
    """Under https: a ``Secure`` session cookie and HSTS. API answers (tickets, calls, children's
    files) are never kept in a browser's or proxy's cache."""
    from flask import request

    https = app.config["HOTLINE_PUBLIC_URL"].startswith("https://")
    if https:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    @app.after_request
    def _security_headers(response):
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/") and not request.path.startswith(NO_STORE_EXEMPT):
            response.headers["Cache-Control"] = "no-store"
        return response


def _load_calendar() -> None:
    """Holiday data kept beside the reference data (see [calendar] in reference.toml)."""
    from datetime import date

    from hotline.reference.services import load_file
    from hotline.tickets.calendar import set_calendar_overrides

    calendar = load_file().get("calendar", {})
    set_calendar_overrides(
        [date.fromisoformat(str(d)) for d in calendar.get("holidays", [])],
        [date.fromisoformat(str(d)) for d in calendar.get("workdays", [])],
    )


def _init_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from hotline import door, queues, uploads
    from hotline.api.document import DocumentedApi
    from hotline.errors import register_error_handlers
    from hotline.extensions import db, limiter

    if app.config["HOTLINE_TRUSTED_PROXIES"]:
        n = app.config["HOTLINE_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)

    import hotline.models  # noqa: F401  (the metadata migrations compare against)

    db.init_app(app)
    if not app.config["HOTLINE_WEB_PROCESS"]:
        # `flask db ...` (Flask-Migrate, Alembic): about 12 MB a web worker never uses.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(config_module.ROOT / "migrations"))
    queues.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limiter_storage(app))
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    api = DocumentedApi(
        app, spec_kwargs={"components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}}
    )
    app.extensions["hotline_api"] = api
    register_error_handlers(app)
    uploads.init_app(app)  # before any hook reads a body
    door.init_app(app)  # before any blueprint: its ``int`` converter must be in place for their rules
    app.json.ensure_ascii = False  # readable Chinese in API bodies (JSON_AS_ASCII is gone in Flask 3)


def _limiter_storage(app: Flask) -> str:
    from hotline.queues import embedded_socket

    # No Redis is started here: the embedded server starts with the first job or the Procfile.
    url = app.config["REDIS_URL"] or f"unix://{embedded_socket(app.instance_path)}"
    return "redis+unix://" + url[len("unix://") :] if url.startswith("unix://") else url


def _register_blueprints(app: Flask) -> None:
    from hotline import health
    from hotline.web import init_app as init_web

    app.register_blueprint(health.bp)
    api = app.extensions["hotline_api"]
    for module in _api_modules():
        api.register_blueprint(module.blp)
    init_web(app)
    from hotline.operations import init_app as init_operations

    init_operations(app)


def _api_modules() -> list:
    import importlib

    return [importlib.import_module(name) for name in API_MODULES]


# One blueprint module per API resource, registered in this order (the OpenAPI document follows it).
API_MODULES: tuple[str, ...] = (
    "hotline.api.auth",
    "hotline.api.reference",
    "hotline.api.messages",
    "hotline.api.tickets",
    "hotline.api.assignments",
    "hotline.api.notes",
    "hotline.api.extensions",
    "hotline.api.rules",
    "hotline.api.stats",
    "hotline.api.overdue",
    "hotline.api.departments",
    "hotline.api.reports",
    "hotline.api.calls",
    "hotline.api.twilio",
    "hotline.api.access_log",
    "hotline.children.routes",
    "hotline.reporting.monthly_routes",
    "hotline.api.setup",
    "hotline.retention.routes",
)


def _register_cli(app: Flask) -> None:
    from hotline.cli import hotline_cli, users_cli
    from hotline.operations_cli import register as register_operations

    register_operations(hotline_cli)
    app.cli.add_command(hotline_cli)
    app.cli.add_command(users_cli)
