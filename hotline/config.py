"""Configuration: the only module that reads ``os.environ``.

Everything is environment-driven (a ``.env`` file may set it). ``create_app(config=...)``
takes a mapping that overrides these values, which is how tests point the app at their
own database and Redis.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PUBLIC_RATE_LIMIT = "10 per minute;100 per day"
# Seconds between the retries of a failed SMS send; the one copy (the outbox reads the config).
DEFAULT_SMS_RETRY_INTERVALS = (10, 30, 120, 600)


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _database_url(url: str | None, instance_path: Path) -> str:
    if not url:
        return f"sqlite:///{instance_path / 'hotline.db'}"
    # psycopg 3 is the driver; accept the plain URLs people copy from elsewhere.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: Path) -> dict:
    """Read the process environment into a Flask config mapping."""
    load_dotenv(ROOT / ".env", override=False)
    env = os.environ
    return {
        # Unset: a random key kept in instance/secret_key (hotline.secret_key), checked at start.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance_path),
        "REDIS_URL": env.get("REDIS_URL") or "",
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER", ""),
        # Test seam: "module:Class" of a twilio.http.HttpClient to use instead of the network.
        "TWILIO_HTTP_CLIENT": env.get("TWILIO_HTTP_CLIENT", ""),
        # How long a sender's claim on an outbox row lasts before another worker may retry it.
        "HOTLINE_SEND_LEASE_SECONDS": int(env.get("HOTLINE_SEND_LEASE_SECONDS") or 60),
        # Seconds between the retries of a failed SMS send (RQ Retry); the row fails after the last.
        "HOTLINE_SMS_RETRY_INTERVALS": [int(v) for v in _split(env.get("HOTLINE_SMS_RETRY_INTERVALS"))]
        or list(DEFAULT_SMS_RETRY_INTERVALS),
        # Unset: the local web server, on the port `make run` serves (honcho gives every process
        # its own PORT, so the Makefile passes the web's one on as HOTLINE_WEB_PORT).
        "HOTLINE_PUBLIC_URL": (
            env.get("HOTLINE_PUBLIC_URL")
            or f"http://127.0.0.1:{env.get('HOTLINE_WEB_PORT') or env.get('PORT') or 5000}"
        ).rstrip("/"),
        # The hotline's own number as the public pages show it (e.g. "024-12345") and any words on
        # when it answers; unset, the pages name 12345 and 110/120 only.
        "HOTLINE_PHONE_DISPLAY": (env.get("HOTLINE_PHONE_DISPLAY") or "").strip(),
        "HOTLINE_TIMEZONE": env.get("HOTLINE_TIMEZONE") or "Asia/Shanghai",
        "HOTLINE_PUBLIC_RATE_LIMIT": env.get("HOTLINE_PUBLIC_RATE_LIMIT") or DEFAULT_PUBLIC_RATE_LIMIT,
        # Failed sign-ins per (client address, user name), and per address whatever the name.
        "HOTLINE_LOGIN_RATE_LIMIT": env.get("HOTLINE_LOGIN_RATE_LIMIT") or "10 per minute",
        "HOTLINE_LOGIN_ADDRESS_RATE_LIMIT": env.get("HOTLINE_LOGIN_ADDRESS_RATE_LIMIT") or "60 per minute;600 per hour",
        "HOTLINE_DUTY_PHONES": _split(env.get("HOTLINE_DUTY_PHONES")),
        "HOTLINE_OPERATOR_PHONES": _split(env.get("HOTLINE_OPERATOR_PHONES")),
        "HOTLINE_TOKEN_TTL_HOURS": int(env.get("HOTLINE_TOKEN_TTL_HOURS") or 12),
        "HOTLINE_MAX_BODY_BYTES": int(env.get("HOTLINE_MAX_BODY_BYTES") or 64 * 1024),
        # A survey sheet (children's files import) may be larger than any other body.
        "HOTLINE_IMPORT_MAX_BYTES": int(env.get("HOTLINE_IMPORT_MAX_BYTES") or 5 * 1024 * 1024),
        "HOTLINE_TRUSTED_PROXIES": int(env.get("HOTLINE_TRUSTED_PROXIES") or 0),
        # Set by gunicorn.conf.py: a web worker, which loads no command-line-only modules.
        "HOTLINE_WEB_PROCESS": env.get("HOTLINE_WEB_PROCESS") == "1",
        # Jobs one worker process runs at once, each in a thread (workers/threaded.py); each
        # holds a database connection while it runs (the pool allows 15).
        "HOTLINE_WORKER_THREADS": int(env.get("HOTLINE_WORKER_THREADS") or 10),
        # Closed or cancelled tickets are pseudonymised this many days later (hotline retention).
        "HOTLINE_RETENTION_DAYS": int(env.get("HOTLINE_RETENTION_DAYS") or 1095),
    }


def defaults() -> dict:
    """Settings that are not read from the environment."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_TITLE": "hotline",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "v1/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/swagger-ui/",
        # Web pages (hotline/web): Chinese first, sessions, CSRF checked by path (see hotline/web).
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "hotline" / "web" / "translations"),
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    }
