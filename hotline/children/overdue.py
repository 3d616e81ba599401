"""Late visits as items of the one overdue queue (``kind`` ``visit``).

A file is late when it is open and its ``next_visit_due_at`` is at or before ``at``; its
``bureau`` is the street office that owns it; ``escalation_level`` is the highest ladder level
fired for that very deadline (0 = none yet; reminders don't count), as for assignments.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hotline.children.models import ChildFile, VisitEscalationStep
from hotline.extensions import db
from hotline.reference.services import STREET_PREFIX


def _late(at: datetime, bureau: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = [ChildFile.status == "open", ChildFile.next_visit_due_at <= at]
    if bureau is not None:
        street = bureau[len(STREET_PREFIX) :] if bureau.startswith(STREET_PREFIX) else None
        conditions.append(ChildFile.street_code == street if street else sa.false())
    return conditions


def late_visits(at: datetime, bureau: str | None = None, limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
    """(items, total): late visits, most overdue first, at most ``limit`` items."""
    level = (
        sa.select(sa.func.coalesce(sa.func.max(VisitEscalationStep.level), 0))
        .where(
            VisitEscalationStep.child_id == ChildFile.id,
            VisitEscalationStep.due_at == ChildFile.next_visit_due_at,
            VisitEscalationStep.level >= 1,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            ChildFile.id.label("child_id"),
            ChildFile.number.label("child_number"),
            ChildFile.street_code,
            ChildFile.next_visit_due_at.label("due_at"),
            level.label("escalation_level"),
        )
        .where(*_late(at, bureau))
        .order_by(ChildFile.next_visit_due_at, ChildFile.id)
        .limit(limit)
    ).mappings()
    items = [
        {
            "assignment_id": None,
            "ticket_id": None,
            "ticket_number": None,
            "child_id": row["child_id"],
            "child_number": row["child_number"],
            "bureau": STREET_PREFIX + row["street_code"],
            "kind": "visit",
            "due_at": row["due_at"],
            "escalation_level": row["escalation_level"],
        }
        for row in rows
    ]
    total = len(items)
    if total >= limit:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(ChildFile).where(*_late(at, bureau)))
    return items, total


def late_visits_by_office(at: datetime) -> Counter[str]:
    """Late visits per street office code (the daily digest)."""
    rows = db.session.execute(
        sa.select(ChildFile.street_code, sa.func.count()).where(*_late(at, None)).group_by(ChildFile.street_code)
    )
    return Counter({STREET_PREFIX + street: count for street, count in rows})
