"""Who is calling, and may they: one decorator used on every protected endpoint."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime

from flask import request
from flask_login import current_user

from hotline.auth.services import user_for_token
from hotline.errors import Forbidden, Unauthorized
from hotline.models import Role, User
from hotline.tickets.permissions import PERMISSIONS, Step

STAFF = (Role.OPERATOR, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN)
CENTER = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
STEP_ATTRIBUTE = "hotline_step"  # on a guarded view: the step of hotline.tickets.permissions it takes


def bearer_token() -> str | None:
    """The request's bearer token, if it sent one in a well-formed header."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        return None
    return token.strip()


def bearer_user() -> User | None:
    token = bearer_token()
    return user_for_token(token, datetime.now(UTC)) if token else None


def current_actor() -> User:
    """The signed-in user: a bearer token on the API, the session on web pages."""
    cached = request.environ.get("hotline.actor")
    if cached is not None:
        return cached
    user = bearer_user() if request.path.startswith("/api") else None
    if user is None and not request.path.startswith("/api") and current_user.is_authenticated:
        user = current_user._get_current_object()
    if user is None:
        raise Unauthorized("需要登录 authentication required: send Authorization: Bearer <token>")
    request.environ["hotline.actor"] = user
    return user


def optional_actor() -> User | None:
    try:
        return current_actor()
    except Unauthorized:
        return None


def roles_required(*roles: str) -> Callable:
    allowed = {str(r) for r in roles}

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            authorize(allowed)
            return view(*args, **kwargs)

        wrapper.hotline_roles = allowed  # lets the request guard authenticate before reading the body
        return wrapper

    return decorator


def step_required(step: Step) -> Callable:
    """Guard an API view with the roles ``PERMISSIONS`` gives ``step`` (401, then 403)."""
    guard = roles_required(*PERMISSIONS[step])

    def decorator(view: Callable) -> Callable:
        wrapper = guard(view)
        setattr(wrapper, STEP_ATTRIBUTE, step)
        return wrapper

    return decorator


def authorize(allowed: set[str] | frozenset[str]) -> User:
    """401 without a valid sign-in, 403 for a role not in ``allowed``; else the actor."""
    actor = current_actor()
    if actor.role not in allowed:
        raise Forbidden(f"角色 {actor.role} 无权执行此操作 role '{actor.role}' may not do this")
    return actor


def roles_for(view: Callable | None, method: str) -> set[str] | None:
    """The roles a routed view requires (on the view or on its MethodView method), None if public."""
    if view is None:
        return None
    roles = getattr(view, "hotline_roles", None)
    if roles is None and (view_class := getattr(view, "view_class", None)) is not None:
        roles = getattr(getattr(view_class, method.lower(), None), "hotline_roles", None)
    return roles
