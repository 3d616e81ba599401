"""Administration: departments and contacts, users, dispatch rules."""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline.models import Role
from hotline.web.access import page_roles

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


@bp.route("/")
@page_roles(Role.ADMIN)
def index():
    return render_template("admin/index.html")


@bp.route("/rules", methods=["GET", "POST"])
@page_roles(Role.ADMIN)
def rules():
    return render_template("admin/index.html")
