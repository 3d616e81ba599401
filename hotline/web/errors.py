"""Error pages outside the API (HTML, in the page's language).

The page uses the site layout; if that cannot render (the database is down, say), a bare
page in both languages is answered instead, so an error never turns into another error.
"""

from __future__ import annotations

import logging

from flask import Response, render_template
from markupsafe import escape
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _titles() -> dict[int, str]:
    from flask_babel import gettext as _

    return {
        400: _("The request was not valid"),
        401: _("Please sign in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("Changed in the meantime"),
        413: _("Too large"),
        422: _("Please check the form"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
        503: _("Temporarily unavailable"),
    }


def _messages() -> dict[int, str]:
    from flask_babel import gettext as _

    return {
        400: _("The form had expired or was incomplete. Go back, reload the page and try again."),
        404: _("There is nothing at this address, or you may not see it."),
        429: _("Please wait a minute and try again. In an emergency call 110 or 120."),
        500: _("The error was recorded. Please try again; in an emergency call 110 or 120."),
    }


def render_error_page(error) -> Response:
    if isinstance(error, HTTPException):
        code, message = error.code or 500, None
    else:
        code, message = getattr(error, "status", 500), getattr(error, "message", None)
    try:
        from hotline.web.templating import page_text

        titles, messages = _titles(), _messages()
        message = page_text(message) if message else message
        body = render_template(
            "errors/error.html", code=code, title=titles.get(code, str(code)), message=message or messages.get(code, "")
        )
    except Exception:  # the layout itself failed: answer plainly rather than fail again
        log.exception("error page for %s could not render", code)
        text = message or (error.description if isinstance(error, HTTPException) else "")
        body = (
            "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{code}</title><h1>{code}</h1><p>{escape(text)}</p><p><a href='/'>返回首页 Home</a></p></html>"
        )
    response = Response(body, status=code, mimetype="text/html")
    if isinstance(error, HTTPException):
        for name, value in error.get_headers():
            if name.lower() not in {"content-type", "content-length"}:
                response.headers[name] = value
    return response
