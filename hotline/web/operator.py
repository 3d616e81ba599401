"""The operator console: triage queue, call-backs, logging a call, return requests."""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline.models import Role
from hotline.web.access import page_roles

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.route("/")
@page_roles(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
def console():
    return render_template("operator/console.html")


@bp.route("/calls/new", methods=["GET", "POST"])
@page_roles(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
def log_call():
    return render_template("operator/console.html")
