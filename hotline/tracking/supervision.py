"""The overdue queue (督办): what is late, or will be late by a given moment.

An item is an assignment whose watched deadline (``ladder.watched_deadline``: sign-for while
pending, feedback once accepted, the same clock while a return waits) is at or before
``at``. The query is two index range scans, one per deadline column
(``ix_assignments_status_sign_due_at`` and ``ix_assignments_status_feedback_due_at``),
so it costs what is overdue, not what is open. ``escalation_level`` is the highest ladder
level fired for that very deadline (0 = none yet; reminders don't count), so a new deadline
after an extension or a reopen starts again at 0.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hotline.errors import ValidationError
from hotline.extensions import db
from hotline.models import Assignment, Department, EscalationStep, Ticket
from hotline.tracking.ladder import RETURN_REQUESTED, WATCHED, overdue_seconds

DEFAULT_LIMIT = 1000


def _branch(kind: str, at: datetime, department_id: int | None) -> sa.Select:
    a = Assignment
    states = [status for status, watched in WATCHED.items() if watched == kind]
    due = a.sign_due_at if kind == "sign" else a.feedback_due_at
    level = (
        sa.select(sa.func.coalesce(sa.func.max(EscalationStep.level), 0))
        .where(
            EscalationStep.assignment_id == a.id,
            EscalationStep.deadline_kind == kind,
            EscalationStep.due_at == due,
            EscalationStep.level >= 1,
        )
        .scalar_subquery()
    )
    query = (
        sa.select(
            a.id.label("assignment_id"),
            a.ticket_id.label("ticket_id"),
            Ticket.number.label("ticket_number"),
            Department.code.label("bureau"),
            sa.literal(kind, sa.String(16)).label("kind"),
            due.label("due_at"),
            level.label("escalation_level"),
        )
        .join(Ticket, Ticket.id == a.ticket_id)
        .join(Department, Department.id == a.department_id)
        .where(
            a.status.in_([*states, RETURN_REQUESTED]),
            due <= at,
            # A waiting return keeps the clock of the state it came from.
            sa.or_(a.status.in_(states), sa.func.coalesce(a.status_before_return, "pending").in_(states)),
        )
    )
    if department_id is not None:
        query = query.where(a.department_id == department_id)
    return query


def overdue_select(at: datetime, department_id: int | None = None) -> sa.Subquery:
    kinds = sorted(set(WATCHED.values()))
    return sa.union_all(*(_branch(kind, at, department_id) for kind in kinds)).subquery("overdue")


def _department_id(bureau: str | None) -> int | None:
    if bureau is None:
        return None
    ident = db.session.scalar(sa.select(Department.id).filter_by(code=bureau))
    if ident is None:
        raise ValidationError("未知部门 unknown department", {"bureau": [f"unknown department: {bureau}"]})
    return ident


def overdue_queue(at: datetime, bureau: str | None = None, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """Items late at ``at`` (default: now), most overdue first."""
    department_id = _department_id(bureau)
    overdue = overdue_select(at, department_id)
    rows = db.session.execute(
        sa.select(overdue).order_by(overdue.c.due_at, overdue.c.assignment_id).limit(limit)
    ).mappings()
    items = [dict(row, overdue_seconds=overdue_seconds(row["due_at"], at)) for row in rows]
    total = len(items)
    if total >= limit:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(overdue))
    return {"at": at, "items": items, "total": total}


def overdue_by_department(at: datetime) -> Counter[str]:
    """How many items are late at ``at``, per department code (the daily digest)."""
    overdue = overdue_select(at)
    rows = db.session.execute(sa.select(overdue.c.bureau, sa.func.count()).group_by(overdue.c.bureau))
    return Counter({bureau: count for bureau, count in rows})
