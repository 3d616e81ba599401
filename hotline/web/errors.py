"""Error pages outside the API (HTML, Chinese first)."""

from __future__ import annotations

from flask import Response
from markupsafe import escape
from werkzeug.exceptions import HTTPException


def render_error_page(error) -> Response:
    if isinstance(error, HTTPException):
        code, message = error.code or 500, error.description or error.name
    else:
        code, message = getattr(error, "status", 500), getattr(error, "message", str(error))
    body = (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{code}</title><h1>{code}</h1><p>{escape(message)}</p><p><a href='/'>返回首页 Home</a></p></html>"
    )
    return Response(body, status=code, mimetype="text/html")
