"""Server-rendered pages: sessions (Flask-Login), CSRF (Flask-WTF), Chinese first (Flask-Babel).

The pages call the same service functions as the JSON API; nothing here decides anything a
service decides. One blueprint per audience: ``web`` (public pages and sign-in),
``operator``, ``liaison``, ``supervisor``, ``admin_pages``, ``tickets`` (the ticket page every
staff role shares) and ``exports``.

CSRF is checked by path, not per blueprint: every POST outside ``CSRF_EXEMPT_PREFIXES`` needs
the token (a form field, or the ``X-CSRFToken`` header for the few fetch() calls). The API
authenticates with bearer tokens and the Twilio webhooks with signatures, so neither carries
a session a forged request could ride on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, url_for
from flask_babel import Babel
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from hotline.extensions import db

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# /admin/rq is rq-dashboard (admin-only, its own jQuery POSTs carry no token; the session
# cookie is SameSite=Lax, so a cross-site form cannot post with it).
CSRF_EXEMPT_PREFIXES = ("/api/", "/twilio/", "/admin/rq")
# Everything the pages load comes from this app; inline style attributes are the only exception.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


@login_manager.user_loader
def _load_user(session_id: str):
    """The session's user while it is active and the session's epoch is still the user's."""
    from hotline.models import User

    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def init_app(app: Flask) -> None:
    from hotline.errors import PAGE_RENDERER
    from hotline.web import admin, children, collab, exports, i18n, liaison, operator, public, supervisor, tickets
    from hotline.web.errors import render_error_page
    from hotline.web.templating import init_templating

    app.extensions[PAGE_RENDERER] = render_error_page
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = None  # the sign-in page says why on its own
    login_manager.session_protection = "basic"  # "strong" would sign out a phone that changes network

    @login_manager.unauthorized_handler
    def _sign_in_again():
        return sign_in_again()

    @app.errorhandler(CSRFError)
    def _expired_form(error: CSRFError):
        if request.path.startswith(CSRF_EXEMPT_PREFIXES):
            return app.extensions["hotline_api"].handle_http_exception(error)
        return expired_form(error)

    @app.before_request
    def _check_csrf():
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.endpoint is None:
            return
        if not request.path.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.protect()

    modules = (public, operator, liaison, supervisor, admin, tickets, collab, exports, children)
    for module in modules:
        app.register_blueprint(module.bp)
    app.register_blueprint(children.reports)
    ours = {module.bp.name for module in modules} | {children.reports.name}

    @app.after_request
    def _page_headers(response):
        if request.blueprint in ours:
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if current_user.is_authenticated:  # staff pages carry children's data: keep them out of caches
                response.headers["Cache-Control"] = "no-store"
        return response

    init_templating(app)
    _register_swagger_assets(app)


# Pages anyone may post to: an expired form there goes back to the same page, not to sign-in.
PUBLIC_PATHS = ("/", "/status", "/login")


def _back_path() -> str | None:
    """Where the refused form was (the Referer, when it is this site), as a local path."""
    from hotline.web.access import safe_next

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path) if referrer.path else None


def sign_in_again():
    """Signed out (expired, or ended elsewhere) while on a page: to the sign-in page, then back
    to the page the person was on. A refused POST goes back to the form it came from, where
    forms.js puts back what was typed (the draft stays in the browser until a form succeeds)."""
    back = (_back_path() if request.method != "GET" else None) or request.full_path.rstrip("?")
    if request.method != "GET":
        flash(
            _("You were signed out, so nothing was saved. Sign in again: what you typed comes back on the form."),
            "error",
        )
    else:
        flash(_("Please sign in to open this page."), "info")
    return redirect(url_for("web.login", next=back), 302 if request.method == "GET" else 303)


def expired_form(error: CSRFError):
    """An expired session or CSRF token: never a bare 400. Back to the form (or to sign-in
    first), saying that nothing was saved and that the typed values are kept."""
    if request.headers.get("X-Requested-With") == "fetch":
        return error  # a page's background fetch (the live preview): the page itself stays as it is
    back = _back_path()
    if not current_user.is_authenticated and request.path not in PUBLIC_PATHS:
        return sign_in_again()
    flash(
        _(
            "The page had expired, so nothing was saved. What you typed is back on the form: check it and send it again."
        ),
        "error",
    )
    return redirect(back or request.path, 303)


def _register_swagger_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed package: no CDN on government networks."""
    import swagger_ui_bundle
    from flask import Blueprint

    bp = Blueprint(
        "swagger_assets",
        __name__,
        static_folder=swagger_ui_bundle.swagger_ui_path,
        static_url_path="/static/swagger-ui",
    )
    app.register_blueprint(bp)
