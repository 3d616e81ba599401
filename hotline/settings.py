"""The values services need from the configuration, read once per app.

``create_app`` builds one :class:`Settings` from ``app.config`` and keeps it at
``app.extensions["hotline_settings"]``. The edges (API routes, pages, CLI commands, RQ jobs)
obtain it with :func:`current_settings` and pass it, or the one value needed, into the
services as a keyword parameter; services do not read ``current_app.config`` themselves
(tests/unit/test_settings_at_the_edges.py checks that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from hotline.config import DEFAULT_SMS_RETRY_INTERVALS

DEFAULT_TIMEZONE = "Asia/Shanghai"
EXTENSION = "hotline_settings"


def _given(config: Mapping[str, Any], key: str, default: int) -> Any:
    """The configured number, 0 included; ``default`` only when the key is unset."""
    value = config.get(key)
    return default if value is None else value


@dataclass(frozen=True)
class Settings:
    """What the services are given; the edges' values (rate limits, the operators' phones,
    the token lifetime, Twilio's credentials) stay in ``app.config`` where the edges read them."""

    timezone: str = DEFAULT_TIMEZONE
    public_url: str = ""
    secret_key: str = ""
    secret_key_file: str | None = None
    duty_phones: tuple[str, ...] = ()
    retention_days: int = 1095
    sms_retry_intervals: tuple[int, ...] = DEFAULT_SMS_RETRY_INTERVALS
    send_lease_seconds: int = 0  # 0: the sender's default lease (hotline.notify.services.LEASE)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(
            timezone=config.get("HOTLINE_TIMEZONE") or DEFAULT_TIMEZONE,
            public_url=config.get("HOTLINE_PUBLIC_URL") or "",
            secret_key=config.get("SECRET_KEY") or "",
            secret_key_file=config.get("HOTLINE_SECRET_KEY_FILE"),
            duty_phones=tuple(config.get("HOTLINE_DUTY_PHONES") or ()),
            retention_days=int(_given(config, "HOTLINE_RETENTION_DAYS", 1095)),
            sms_retry_intervals=tuple(config.get("HOTLINE_SMS_RETRY_INTERVALS") or DEFAULT_SMS_RETRY_INTERVALS),
            send_lease_seconds=int(_given(config, "HOTLINE_SEND_LEASE_SECONDS", 0)),
        )


def install(app: Flask) -> Settings:
    """Build the app's settings from its config (again, after a test changes the config)."""
    built = app.extensions[EXTENSION] = Settings.from_config(app.config)
    return built


def current_settings() -> Settings:
    """The current app's settings; for the edges only (routes, pages, CLI, jobs)."""
    found = current_app.extensions.get(EXTENSION)
    return found if found is not None else install(current_app)  # type: ignore[arg-type]
