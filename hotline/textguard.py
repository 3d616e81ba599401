"""Refuse text no database column can hold, at the door, for every endpoint.

PostgreSQL cannot store NUL, and a lone UTF-16 surrogate is not UTF-8: either would reach
the database as a driver error (a 500) instead of a clear 422 naming the field. One guard
here covers every JSON body, query string, form and path parameter, current and future.
Twilio's webhooks strip NUL themselves (a report must never be lost), so they are left out.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request

from hotline.errors import NotFound, ValidationError

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "含有无法保存的字符 contains a character that cannot be stored (NUL or a lone surrogate)"


def unstorable_text(value: Any) -> Any:
    """Errors shaped like the input for every string (value or key) a database cannot store."""
    if isinstance(value, str):
        return [MESSAGE] if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        errors = {}
        for key, item in value.items():
            problem = unstorable_text(key) or unstorable_text(item)
            if problem:
                errors[UNSTORABLE.sub("\ufffd", str(key))] = problem
        return errors or None
    if isinstance(value, list):
        errors = {str(index): problem for index, item in enumerate(value) if (problem := unstorable_text(item))}
        return errors or None
    return None


def check_request() -> None:
    """Called by ``hotline.door`` after routing and sign-in checks; ``/twilio/`` never gets here."""
    if unstorable_text(request.view_args or {}):
        # A path with such a character names nothing: the same 404 as any unknown id or code.
        raise NotFound("未找到 not found")
    errors: dict[str, Any] = dict(unstorable_text(request.args.to_dict(flat=True)) or {})
    if request.is_json:
        body = request.get_json(silent=True)
        errors.update((unstorable_text(body) or {}) if isinstance(body, dict) else {})
        if isinstance(body, (list, str)) and unstorable_text(body):
            errors["body"] = [MESSAGE]
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        errors.update(unstorable_text(request.form.to_dict(flat=True)) or {})
    if errors:
        raise ValidationError("输入有误 Validation failed", errors)
