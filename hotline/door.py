"""What every request meets before its view runs, in one fixed order.

1. a URL longer than the front server would take → 414 (JSON under ``/api``);
2. no route or a wrong method → the router's own 404/405 (with ``Allow``), before anything else;
3. a protected endpoint without a valid sign-in → 401, a role that may never use it → 403,
   before the body is looked at (a client without a token learns nothing from body checks);
4. JSON nested deeper than ``MAX_JSON_DEPTH`` → 422, found on the raw bytes, before any parser
   or recursive walk could fail with ``RecursionError``;
5. text no database can store → 422 naming the field (``textguard``).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestURITooLarge

import hotline.bounds as bounds
import hotline.textguard as textguard
from hotline.auth.access import authorize, roles_for
from hotline.errors import ValidationError

DEPTH_MESSAGE = f"JSON 嵌套过深 nested deeper than {bounds.MAX_JSON_DEPTH} levels"


def _request_line_length() -> int:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw is None:
        query = request.environ.get("QUERY_STRING", "")
        raw = request.environ.get("PATH_INFO", "") + ("?" + query if query else "")
    return len(raw)


def check_request() -> None:
    if _request_line_length() > bounds.MAX_URL_BYTES:
        raise RequestURITooLarge(f"URL 过长 the URL is longer than {bounds.MAX_URL_BYTES} bytes")
    if request.routing_exception is not None:
        return  # the router answers 404/405 itself when the view would run
    if request.path.startswith("/api/"):
        roles = roles_for(current_app.view_functions.get(request.endpoint), request.method)
        if roles is not None:
            authorize(roles)
    if request.path.startswith("/twilio/"):
        return  # form-encoded, signature-checked by its own routes; a report is never refused for its text
    if request.is_json and bounds.json_too_deep(request.get_data(cache=True)):
        raise ValidationError("输入有误 Validation failed", {"body": [DEPTH_MESSAGE]})
    textguard.check_request()


def init_app(app: Flask) -> None:
    from flask_smorest.spec.plugins import integerconverter2paramschema

    app.url_map.converters["int"] = bounds.BoundedIntConverter
    app.extensions["hotline_api"].register_converter(bounds.BoundedIntConverter, integerconverter2paramschema)
    app.before_request(check_request)
