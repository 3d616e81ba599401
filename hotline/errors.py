"""Domain errors and the one place they become HTTP answers.

Services raise ``DomainError`` subclasses carrying their HTTP status; routes never build
error responses by hand. Every ``/api`` answer, including 404/405/413/500, has the contract's
shape ``{"code","status","message","errors"?}``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, request
from flask_smorest import Api as SmorestApi
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.http import HTTP_STATUS_CODES

from hotline.redact import redact_path

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5  # how long a 503 asks clients to wait while the database or Redis is away


class EmbeddedRedisUnavailable(RuntimeError):
    """The embedded Redis could not be started or reached."""


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class ValidationError(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """A step not allowed in the current state, or a concurrent change won the race."""

    status = 409


def _flatten_locations(errors: Any) -> Any:
    """webargs nests validation errors by location ({"json": {...}}); name the fields directly."""
    if (
        isinstance(errors, dict)
        and errors
        and set(errors) <= {"json", "query", "form", "headers", "files", "view_args"}
    ):
        merged: dict[str, Any] = {}
        for value in errors.values():
            if isinstance(value, dict):
                merged.update(value)
        return merged
    return errors


def _string_keys(value: Any) -> Any:
    """JSON objects need string keys; marshmallow reports list items by int index."""
    if isinstance(value, dict):
        return {str(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value


def error_payload(code: int, message: str | None = None, errors: Any = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error")}
    payload["message"] = message or payload["status"]
    if errors:
        payload["errors"] = _string_keys(_flatten_locations(errors))
    return payload


# The pages' error renderer, installed by the web layer (``hotline.web.init_app``) so that this
# module, which every layer imports, imports none of them.
PAGE_RENDERER = "hotline_error_page"


def render_page(error: Exception) -> Any:
    """An error outside the API as a page; plain text when no page renderer is installed."""
    renderer = current_app.extensions.get(PAGE_RENDERER)
    if renderer is None:
        code = getattr(error, "code", None) or getattr(error, "status", 500)
        return str(getattr(error, "description", None) or getattr(error, "message", error)), code
    return renderer(error)


def wants_json() -> bool:
    return request.path.startswith("/api") or request.path.startswith("/twilio")


class Api(SmorestApi):
    """flask-smorest's Api with the contract's error shape and HTML outside the API."""

    def handle_http_exception(self, error: HTTPException):
        if not wants_json():
            return render_page(error)
        data = getattr(error, "data", None) or {}
        message = data.get("message") or error.description
        errors = data.get("errors") or data.get("messages")
        if error.code == 422 and not data.get("message"):
            message = "输入有误 Validation failed"
        headers = {
            name: value for name, value in error.get_headers() if name.lower() not in {"content-type", "content-length"}
        }  # Allow on a 405, Retry-After on a 503, WWW-Authenticate ...
        headers.update(data.get("headers") or {})
        if error.code == 429:
            message = "请求过于频繁，请稍后再试 Too many requests"
        return error_payload(error.code or 500, message, errors), error.code, headers


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        if not wants_json():
            return render_page(error)
        return error_payload(error.status, error.message, error.errors), error.status

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError):
        message = "记录已被他人修改，请刷新后重试 The record was changed by someone else; reload and retry"
        if not wants_json():
            return render_page(Conflict(message))
        return error_payload(409, message), 409

    @app.errorhandler(SQLAlchemyOperationalError)
    @app.errorhandler(SQLAlchemyInterfaceError)
    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    @app.errorhandler(EmbeddedRedisUnavailable)
    def _unavailable(error: Exception):
        """The database or Redis is away (restarting, failing over, locked): a 503 the client may retry."""
        log.warning(
            "backing service unavailable on %s %s: %s", request.method, redact_path(request.path), type(error).__name__
        )
        try:
            from hotline.extensions import db

            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection may be gone; the session is discarded at teardown)
            log.debug("rollback after an unavailable backend failed", exc_info=True)
        unavailable = ServiceUnavailable(
            "服务暂时不可用，请稍后重试 The service is temporarily unavailable; retry shortly",
            retry_after=RETRY_AFTER_SECONDS,
        )
        return app.extensions["hotline_api"].handle_http_exception(unavailable)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return app.extensions["hotline_api"].handle_http_exception(error)
        log.exception("unhandled error on %s %s", request.method, redact_path(request.path))
        if not wants_json():
            return render_page(InternalServerError())
        return error_payload(500, "服务器内部错误 Internal server error"), 500


class Unauthorized(DomainError):
    status = 401
