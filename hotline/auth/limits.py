"""How often a sign-in may fail: per (client address, user name), under a higher ceiling per address.

One limit per address alone let ten mistyped passwords lock out every colleague behind the same
office NAT. Counting per (address, name) keeps a guesser to a few tries per account, and the
address ceiling still stops one address from trying many names. Only failures (401) count;
web and API sign-ins share the counters.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address

import hotline.bounds as bounds
from hotline.extensions import limiter


def _sign_in_name() -> str:
    """The user name the request tries (JSON or form), normalised; "" when it cannot be read."""
    name = None
    if request.is_json:
        raw = request.get_data(cache=True)
        if not bounds.json_too_deep(raw):
            body = request.get_json(silent=True)
            name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return name.strip().lower() if isinstance(name, str) else ""


def address_and_name() -> str:
    digest = hashlib.sha256(_sign_in_name().encode("utf-8", "replace")).hexdigest()[:24]
    return f"{get_remote_address()}|{digest}"


def _failed(response) -> bool:
    return response.status_code == 401


def _per_name() -> str:
    return current_app.config["HOTLINE_LOGIN_RATE_LIMIT"]


def _per_address() -> str:
    return current_app.config["HOTLINE_LOGIN_ADDRESS_RATE_LIMIT"]


def sign_in_limits(methods: list[str] | None = None) -> list:
    """The two decorators every sign-in endpoint carries."""
    return [
        limiter.shared_limit(
            _per_name, scope="sign-in-name", key_func=address_and_name, methods=methods, deduct_when=_failed
        ),
        limiter.shared_limit(
            _per_address, scope="sign-in-address", key_func=get_remote_address, methods=methods, deduct_when=_failed
        ),
    ]
