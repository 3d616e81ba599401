"""Ticket exports for supervisors: the rows of a spreadsheet, and the audit of who took them.

An export carries children's and reporters' personal data, so taking one is a read of every
ticket in it: one access-log row per ticket (``via="export"``), written before the rows are
returned, in one transaction. Scoping is the same as every other read (``scoping.tickets``).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from hotline.audit import record_access
from hotline.errors import ValidationError
from hotline.extensions import db
from hotline.models import Assignment, Department, Ticket, User
from hotline.reporting.stats import period_bounds
from hotline.tracking import scoping
from hotline.tracking.services import reporter_overrides

log = logging.getLogger(__name__)

MAX_ROWS = 20000
FILTERS = ("status", "urgency", "channel")


def export_tickets(
    start: date, end: date, filters: dict[str, Any], *, actor: User, now: datetime, tz: str
) -> list[dict[str, Any]]:
    """Tickets received ``start``..``end`` (local dates, inclusive), oldest first, as flat rows."""
    begin, finish = period_bounds(start, end, tz)
    query = scoping.tickets(actor).where(Ticket.created_at >= begin, Ticket.created_at < finish)
    for name in FILTERS:
        if filters.get(name):
            query = query.where(getattr(Ticket, name) == filters[name])
    if filters.get("bureau"):
        in_bureau = sa.select(Assignment.ticket_id).join(Department).where(Department.code == filters["bureau"])
        query = query.where(Ticket.id.in_(in_bureau))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    if count > MAX_ROWS:
        raise ValidationError(
            f"导出不能超过 {MAX_ROWS} 条，请缩小时间范围 at most {MAX_ROWS} tickets per export: choose a shorter period",
            {"from": [f"{count} tickets match"]},
        )
    tickets = db.session.scalars(query.order_by(Ticket.created_at, Ticket.id)).all()
    for ticket in tickets:
        record_access(actor, via="export", now=now, ticket_id=ticket.id)
    db.session.commit()
    log.info("user %s exported %s tickets", actor.id, len(tickets))
    rows = []
    for ticket in tickets:
        hidden = reporter_overrides(ticket, actor)
        rows.append(
            {
                "number": ticket.number,
                "created_at": ticket.created_at,
                "channel": ticket.channel,
                "status": ticket.status,
                "urgency": ticket.urgency,
                "protection_types": list(ticket.protection_types or ()),
                "subject_categories": list(ticket.subject_categories or ()),
                "street": ticket.street_code,
                "address": ticket.address,
                "child_name": ticket.child_name,
                "child_age": ticket.child_age,
                "child_gender": ticket.child_gender,
                "description": ticket.description,
                "reporter_name": hidden.get("reporter_name", ticket.reporter_name),
                "reporter_phone": hidden.get("reporter_phone", ticket.reporter_phone),
                "reporter_anonymous": ticket.reporter_anonymous,
                "assignments": [(a.bureau, a.role, a.status) for a in ticket.assignments],
                "closed_at": ticket.closed_at,
            }
        )
    return rows
