"""Per-view request body limits: the few endpoints that take uploads accept more than the
``HOTLINE_MAX_BODY_BYTES`` every other request is held to.

The limit has to be raised before anything reads the body, and ``textguard`` reads forms in
an app-wide ``before_request``; so this hook is registered first and sets Flask's per-request
``max_content_length`` from the view's ``max_body_bytes`` (set by ``allow_body``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

F = TypeVar("F", bound=Callable)


def allow_body(limit: int) -> Callable[[F], F]:
    """Let a view receive bodies up to ``limit`` bytes (413 above)."""

    def mark(view: F) -> F:
        view.max_body_bytes = limit  # type: ignore[attr-defined]
        return view

    return mark


def _raise_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    # flask-smorest's MethodView: the limit sits on the method's function.
    cls = getattr(view, "view_class", None)
    if cls is not None:
        view = getattr(cls, request.method.lower(), None)
    limit = getattr(view, "max_body_bytes", None)
    if limit:
        request.max_content_length = limit


def init_app(app: Flask) -> None:
    app.before_request(_raise_limit)
