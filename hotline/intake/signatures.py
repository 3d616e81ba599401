"""Twilio webhook signatures: every ``/twilio/*`` request must be signed, or nothing happens.

Twilio signs the URL *it* requested (``HOTLINE_PUBLIC_URL`` + path + query string) plus the
POSTed form fields with the account's auth token. The URL is rebuilt from configuration, never
from the ``Host`` or ``X-Forwarded-*`` headers, so the check holds behind a reverse proxy and a
forged ``Host`` cannot change what is verified.

With ``TWILIO_AUTH_TOKEN`` unset every webhook is refused (403): an unsigned request cannot be
told from a forged one, and a ticket made from a forged request would send emergency SMS.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import current_app, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from hotline.errors import Forbidden

log = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL Twilio signed: the configured public base, this path, and the raw query string."""
    url = current_app.config["HOTLINE_PUBLIC_URL"].rstrip("/") + request.path
    query = request.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def request_is_signed() -> bool:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        log.warning("twilio webhook %s refused: TWILIO_AUTH_TOKEN is not set", request.path)
        return False
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    url = signed_url()
    # Form posts sign their fields; a JSON body is signed through ?bodySHA256= on the URL.
    params = request.get_data(as_text=True) if "bodySHA256" in request.args else request.form
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    return RequestValidator(token).validate(url, params, signature, algorithm=algorithm)


def twilio_signed(view: Callable) -> Callable:
    """Refuse (403, nothing read or stored) any request Twilio did not sign."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not request_is_signed():
            log.info("twilio webhook %s refused: missing or wrong signature", request.path)
            raise Forbidden("签名无效 invalid or missing Twilio signature")
        return view(*args, **kwargs)

    return wrapper
