"""Larger bodies for the few endpoints that take a file (a survey sheet), and only for them.

``HOTLINE_MAX_BODY_BYTES`` keeps every other request small. The limit of a request is raised
here, before any hook reads the body (the text guard and CSRF read forms), by endpoint name.
"""

from __future__ import annotations

from flask import Flask, current_app, request

# endpoint -> the config key holding its limit in bytes
UPLOAD_ENDPOINTS: dict[str, str] = {}


def allow_upload(endpoint: str, config_key: str) -> None:
    UPLOAD_ENDPOINTS[endpoint] = config_key


def _raise_limit() -> None:
    key = UPLOAD_ENDPOINTS.get(request.endpoint or "")
    if key is not None:
        request.max_content_length = current_app.config[key]


def init_app(app: Flask) -> None:
    app.before_request(_raise_limit)
