"""The public routes' rate limit: an edge concern (flask-limiter evaluates the callable per request).

``HOTLINE_PUBLIC_RATE_LIMIT`` is read from the app's config when a request is limited, so the
one budget is shared by every public report and look-up route, web and API together.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from hotline.extensions import limiter


def public_budget(methods: list[str] | None = None) -> Callable:
    """The one per-client budget (``HOTLINE_PUBLIC_RATE_LIMIT``) shared by every public report
    and look-up route, web and API together: spreading guesses over routes gains nothing."""
    return limiter.shared_limit(_public_limit, scope="public", methods=methods)


def _public_limit() -> str:
    return current_app.config["HOTLINE_PUBLIC_RATE_LIMIT"]
