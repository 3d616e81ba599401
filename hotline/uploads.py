"""Larger bodies for the few endpoints that take a file (a survey sheet, an attachment), and only
for them.

``HOTLINE_MAX_BODY_BYTES`` keeps every other request small. The limit of a request is raised
here, before any hook reads the body (the text guard and CSRF read forms), by endpoint name.
"""

from __future__ import annotations

from flask import Flask, current_app, request

# endpoint -> its limit: a config key holding it in bytes, or the bytes themselves
UPLOAD_ENDPOINTS: dict[str, str | int] = {}


def allow_upload(endpoint: str, limit: str | int) -> None:
    """Let ``endpoint`` receive bodies up to ``limit`` (a config key, or bytes); 413 above."""
    UPLOAD_ENDPOINTS[endpoint] = limit


def _raise_limit() -> None:
    limit = UPLOAD_ENDPOINTS.get(request.endpoint or "")
    if limit is not None:
        request.max_content_length = current_app.config[limit] if isinstance(limit, str) else limit


def init_app(app: Flask) -> None:
    app.before_request(_raise_limit)
