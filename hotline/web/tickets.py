"""The ticket pages every staff role shares (a liaison sees only their department's)."""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline.models import Role
from hotline.web.access import page_roles

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


@bp.route("/")
@page_roles(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
def index():
    return render_template("tickets/index.html")
