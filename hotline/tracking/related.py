"""The tickets linked to one as possible repeat reports (``hotline.intake.repeats`` links them)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket, TicketLink, User
from hotline.tracking import scoping


def related_tickets(ticket_id: int, actor: User | None = None) -> list[dict[str, Any]]:
    """The tickets linked to this one, either way, newest first (for the ticket's JSON).

    With ``actor``, only tickets that user may read (a department never learns of another
    department's ticket through a link)."""
    out_links = sa.select(
        TicketLink.related_ticket_id.label("other"), TicketLink.reason, TicketLink.created_at.label("linked_at")
    ).where(TicketLink.ticket_id == ticket_id)
    in_links = sa.select(
        TicketLink.ticket_id.label("other"), TicketLink.reason, TicketLink.created_at.label("linked_at")
    ).where(TicketLink.related_ticket_id == ticket_id)
    links = sa.union_all(out_links, in_links).subquery()
    rows = db.session.execute(
        sa.select(
            Ticket.id,
            Ticket.number,
            Ticket.status,
            Ticket.channel,
            Ticket.created_at,
            links.c.reason,
            links.c.linked_at,
        )
        .join(links, links.c.other == Ticket.id)
        .where(scoping.ticket_filter(actor) if actor is not None else sa.true())
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )
    return [
        {
            "id": r.id,
            "number": r.number,
            "status": r.status,
            "channel": r.channel,
            "created_at": r.created_at,
            "reason": r.reason,
            "linked_at": r.linked_at,
        }
        for r in rows
    ]
