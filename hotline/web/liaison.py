"""The liaison's inbox: their department's work only."""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline.models import Role
from hotline.web.access import page_roles

bp = Blueprint("liaison", __name__, url_prefix="/liaison")


@bp.route("/")
@page_roles(Role.LIAISON)
def inbox():
    return render_template("liaison/inbox.html")
