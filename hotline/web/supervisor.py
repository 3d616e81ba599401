"""The supervisor's board: overdue queue, extensions, verification, figures."""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline.models import Role
from hotline.web.access import page_roles

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.route("/")
@page_roles(Role.SUPERVISOR, Role.ADMIN)
def board():
    return render_template("supervisor/board.html")


@bp.route("/figures")
@page_roles(Role.SUPERVISOR, Role.ADMIN)
def figures():
    return render_template("supervisor/board.html")
