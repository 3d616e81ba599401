"""The overdue queue (督办): what is late, or will be late by a given moment.

An item is an assignment whose watched deadline (``hotline.tickets.watched``: sign-for while
pending, feedback once accepted, the same clock while a return waits) is at or before
``at``. ``escalation_level`` is the highest ladder level fired for that very deadline
(0 = none yet; reminders don't count), so a new deadline after an extension or a reopen
starts again at 0.

The query reads what is late, not what is open: one branch per (deadline kind, status), each
a range of the ``(status, deadline)`` index read in deadline order and cut at the page size,
then merged. The cut matters: PostgreSQL cannot know that accepted assignments (whose
sign-for deadlines are all past) are not pending ones, so it expects a large share of the
table to match and would otherwise choose to scan it whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hotline.errors import ValidationError
from hotline.extensions import db
from hotline.models import Assignment, Department, EscalationStep, Ticket
from hotline.tickets.enums import AssignmentStatus, DeadlineKind
from hotline.tickets.ladder import overdue_seconds
from hotline.tickets.watched import WATCHED, states_watching, waiting_sql

DEFAULT_LIMIT = 1000


def _ranges(at: datetime, department_id: int | None) -> Iterator[tuple[str, sa.ColumnElement, list]]:
    """(kind, deadline column, conditions) of each index range that holds late items."""
    a = Assignment
    for kind in sorted(set(WATCHED.values())):
        states = states_watching(kind)
        due = a.sign_due_at if kind == DeadlineKind.SIGN else a.feedback_due_at
        extra = [a.department_id == department_id] if department_id is not None else []
        yield kind, due, [a.status.in_(states), due <= at, *extra]
        # A waiting return keeps the clock of the state it came from.
        yield (
            kind,
            due,
            [
                a.status == AssignmentStatus.RETURN_REQUESTED,
                waiting_sql(a.status_before_return, kind),
                due <= at,
                *extra,
            ],
        )


def _items(kind: str, due: sa.ColumnElement, conditions: list, limit: int) -> sa.Select:
    a = Assignment
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
    branch = (
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
        .where(*conditions)
        .order_by(due, a.id)
        .limit(limit)
        .subquery()
    )
    return sa.select(branch)  # wrapped: SQLite refuses LIMIT inside a bare UNION member


def overdue_statement(at: datetime, department_id: int | None = None, limit: int = DEFAULT_LIMIT) -> sa.Select:
    """The page of late items, most overdue first."""
    merged = sa.union_all(
        *(_items(kind, due, conditions, limit) for kind, due, conditions in _ranges(at, department_id))
    )
    overdue = merged.subquery("overdue")
    return sa.select(overdue).order_by(overdue.c.due_at, overdue.c.assignment_id).limit(limit)


def overdue_count_statement(at: datetime, department_id: int | None = None) -> sa.Select:
    counts = [
        sa.select(sa.func.count()).select_from(Assignment).where(*conditions).scalar_subquery()
        for _kind, _due, conditions in _ranges(at, department_id)
    ]
    return sa.select(sum(counts[1:], counts[0]))


def _department_id(bureau: str | None) -> int | None:
    if bureau is None:
        return None
    ident = db.session.scalar(sa.select(Department.id).filter_by(code=bureau))
    if ident is None:
        raise ValidationError("未知部门 unknown department", {"bureau": [f"unknown department: {bureau}"]})
    return ident


def overdue_queue(at: datetime, bureau: str | None = None, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """Items late at ``at`` (default: now), most overdue first, at most ``limit``; ``total`` counts all."""
    department_id = _department_id(bureau)
    rows = db.session.execute(overdue_statement(at, department_id, limit)).mappings()
    items = [dict(row, overdue_seconds=overdue_seconds(row["due_at"], at)) for row in rows]
    total = len(items)
    if total >= limit:
        total = db.session.scalar(overdue_count_statement(at, department_id))
    return {"at": at, "items": items, "total": total}


def overdue_by_department(at: datetime) -> Counter[str]:
    """How many items are late at ``at``, per department code (the daily digest)."""
    counts: Counter[str] = Counter()
    for _kind, _due, conditions in _ranges(at, None):
        rows = db.session.execute(
            sa.select(Department.code, sa.func.count())
            .select_from(Assignment)
            .join(Department, Department.id == Assignment.department_id)
            .where(*conditions)
            .group_by(Department.code)
        )
        counts.update({code: count for code, count in rows})
    return counts
