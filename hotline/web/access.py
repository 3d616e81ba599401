"""Who may open a page: the same roles as the API, with a session instead of a token."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import gettext as _
from flask_login import current_user

from hotline.errors import Forbidden
from hotline.models import User


def page_roles(*roles: str) -> Callable:
    """Signed out: to the sign-in page (then back). Signed in with another role: 403."""
    allowed = {str(r) for r in roles}

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            from hotline.web import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                raise Forbidden(_("Your role may not open this page."))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def actor() -> User:
    """The signed-in user as the model object the services take."""
    return current_user._get_current_object()
