"""The liaison's inbox: their department's work only (the services scope every list)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify, render_template, request

from hotline.tickets.enums import AssignmentStatus
from hotline.tickets.permissions import Step
from hotline.web.access import actor, page_step

bp = Blueprint("liaison", __name__, url_prefix="/liaison")


@bp.route("/")
@page_step(Step.WORK)
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
    lists = one_place_each(
        [
            (AssignmentStatus.PENDING, work(view=AssignmentStatus.PENDING)),
            ("overdue", work(view="overdue")),
            ("due_soon", work(view="due_soon")),
        ]
        + [("in_progress", in_progress)]
    )
    return render_template("liaison/inbox.html", now=now, **lists)


def one_place_each(lists: list[tuple[str, dict]]) -> dict[str, dict]:
    """Each ticket once, in the first list that holds it (to sign for, overdue, due soon, in
    progress): a ticket to sign for within 24 hours is not shown twice; the time left (or
    overdue) shows on the item itself."""
    seen: set[int] = set()
    result = {}
    for name, found in lists:
        items = [t for t in found["items"] if t.id not in seen]
        seen.update(t.id for t in items)
        result[name] = {"items": items, "total": len(items)}
    return result


@bp.route("/history")
@page_step(Step.WORK)
def history():
    """The department's finished tickets (its final feedback given), newest first."""
    from hotline.tracking.services import list_tickets

    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    found = list_tickets({"finished": True, "page": page, "per_page": 50}, actor=actor(), now=datetime.now(UTC))
    pages = max(1, -(-found["total"] // 50))
    return render_template("liaison/history.html", found=found, page=page, pages=pages)


@bp.route("/search")
@page_step(Step.WORK)
def search():
    """Search the department's tickets, open or finished (``?q=``, as the API's): by number or
    tracking code always; by the reporter's phone, the child's name or the address only on
    tickets the department has signed for (what it would see on the ticket)."""
    from hotline.tracking.schemas import TicketQuerySchema
    from hotline.tracking.services import list_tickets
    from hotline.web.forms import attempt

    raw = {name: request.args[name] for name in ("q", "page") if request.args.get(name)}
    ok, filters, problems = attempt(None, lambda: TicketQuerySchema().load(raw))
    found: dict = {"items": [], "total": 0}
    if ok and filters.get("q"):
        filters["per_page"] = 50
        found = list_tickets(filters, actor=actor(), now=datetime.now(UTC))
    page = filters.get("page", 1) if ok else 1
    pages = max(1, -(-found["total"] // 50))
    return render_template(
        "liaison/search.html", found=found, q=raw.get("q", ""), page=page, pages=pages, problems=problems
    )


@bp.route("/new-work")
@page_step(Step.WORK)
def new_work():
    """The badge's count (tickets to sign for), polled by the inbox badge in the menu."""
    from hotline.tracking.services import list_tickets

    found = list_tickets({"view": AssignmentStatus.PENDING, "per_page": 1}, actor=actor(), now=datetime.now(UTC))
    return jsonify({AssignmentStatus.PENDING: found["total"]}), 200, {"Cache-Control": "no-store"}
