"""The liaison's inbox: their department's work only (the services scope every list)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template

from hotline.models import Role
from hotline.web.access import actor, page_roles

bp = Blueprint("liaison", __name__, url_prefix="/liaison")


@bp.route("/")
@page_roles(Role.LIAISON)
def inbox():
    from hotline.tracking.services import list_tickets

    me, now = actor(), datetime.now(UTC)

    def work(**filters):
        return list_tickets(dict(filters, per_page=200), actor=me, now=now)

    in_progress = work(status="in_progress")
    # In progress = signed for by this department and not finished yet.
    in_progress["items"] = [
        t
        for t in in_progress["items"]
        if any(a.department_id == me.department_id and a.status == "accepted" for a in t.assignments)
    ]
    return render_template(
        "liaison/inbox.html",
        pending=work(view="pending"),
        overdue=work(view="overdue"),
        due_soon=work(view="due_soon"),
        in_progress=in_progress,
        now=now,
    )
