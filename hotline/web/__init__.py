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

from flask import Flask, request
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

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
def _load_user(user_id: str):
    from hotline.models import User

    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    from hotline.errors import PAGE_RENDERER
    from hotline.web import admin, collab, exports, i18n, liaison, operator, public, supervisor, tickets
    from hotline.web.errors import render_error_page
    from hotline.web.templating import init_templating

    app.extensions[PAGE_RENDERER] = render_error_page
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = None  # the sign-in page says why on its own
    login_manager.session_protection = "basic"  # "strong" would sign out a phone that changes network

    @app.before_request
    def _check_csrf():
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.endpoint is None:
            return
        if not request.path.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.protect()

    modules = (public, operator, liaison, supervisor, admin, tickets, collab, exports)
    for module in modules:
        app.register_blueprint(module.bp)
    ours = {module.bp.name for module in modules}

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
