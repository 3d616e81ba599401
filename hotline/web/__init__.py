"""Server-rendered pages: sessions (Flask-Login), CSRF (Flask-WTF), Chinese first."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from hotline.extensions import db

login_manager = LoginManager()


@login_manager.user_loader
def _load_user(user_id: str):
    from hotline.models import User

    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "web.login" if "web.login" in app.view_functions else None
    _register_swagger_assets(app)


def _register_swagger_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed package: no CDN on government networks."""
    import swagger_ui_bundle
    from flask import Blueprint

    bp = Blueprint("swagger_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path, static_url_path="/static/swagger-ui")
    app.register_blueprint(bp)
