"""Who may open a page: the API's permission table (``hotline.tickets.permissions``), with a
session instead of a token."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from hotline.auth.access import STEP_ATTRIBUTE
from hotline.errors import Forbidden
from hotline.models import User
from hotline.tickets.permissions import Step, may


def page_step(step: Step) -> Callable:
    """Guard a page with the roles ``PERMISSIONS`` gives ``step`` (the API's table): signed out,
    to the sign-in page (then back); another role, 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            from hotline.web import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not may(current_user.role, step):
                if request.method == "GET":
                    raise Forbidden(_("Your role may not open this page."))
                raise Forbidden(_("Your role may not take this step."))
            return view(*args, **kwargs)

        setattr(wrapper, STEP_ATTRIBUTE, step)
        return wrapper

    return decorator


def actor() -> User:
    """The signed-in user as the model object the services take."""
    return current_user._get_current_object()


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after a form, or None (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
