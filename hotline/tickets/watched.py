"""The watched deadline: which of an assignment's two clocks it is held to right now.

One table (``WATCHED``) says it; the Python function (``watched_deadline``) and the SQL
expressions (``watched_due_sql``, ``waiting_sql``) are both derived from it, so the overdue
queue, the work lists, the figures, the chaser and the notices cannot disagree.

A pending assignment owes its sign-for (签收), an accepted one its feedback (反馈). A return
request does not stop the clock: a ``return_requested`` assignment is held to the deadline of
the state it came from (``status_before_return``; a missing one counts as ``pending``, the
earlier and stricter clock). Every other state is not watched.

Extending: a new status that owes a deadline gets a row in ``WATCHED``; both forms follow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa

from hotline.tickets.enums import AssignmentStatus, DeadlineKind

WATCHED: dict[str, DeadlineKind] = {
    AssignmentStatus.PENDING: DeadlineKind.SIGN,
    AssignmentStatus.ACCEPTED: DeadlineKind.FEEDBACK,
}
# The state whose clock a waiting return keeps, and the one assumed when none was recorded.
WAITING = AssignmentStatus.RETURN_REQUESTED
WAITING_DEFAULT = AssignmentStatus.PENDING


class HasDeadlines(Protocol):
    status: Any
    status_before_return: Any
    sign_due_at: datetime
    feedback_due_at: datetime


class Watched(NamedTuple):
    kind: DeadlineKind
    due_at: datetime


def effective_status(status: str, status_before_return: str | None) -> str:
    """The status whose clock runs: the one before the request while a return waits."""
    if status == WAITING:
        return status_before_return or WAITING_DEFAULT
    return status


def watched_deadline(status: str, status_before_return: str | None = None) -> DeadlineKind | None:
    """Which deadline an assignment in ``status`` is held to: sign, feedback or None."""
    return WATCHED.get(effective_status(status, status_before_return))


def watched(assignment: HasDeadlines) -> Watched | None:
    """The kind and time of the deadline ``assignment`` is held to now, or None."""
    kind = watched_deadline(assignment.status, assignment.status_before_return)
    if kind is None:
        return None
    return Watched(kind, assignment.sign_due_at if kind == DeadlineKind.SIGN else assignment.feedback_due_at)


def watched_due(assignment: HasDeadlines) -> datetime | None:
    """The time of the deadline ``assignment`` is held to now, or None."""
    found = watched(assignment)
    return found.due_at if found is not None else None


def states_watching(kind: DeadlineKind) -> list[str]:
    """The (effective) statuses held to ``kind``: one index range of the overdue queue each."""
    return sorted(str(status) for status, watched_kind in WATCHED.items() if watched_kind == kind)


# --- the same rule in SQL (columns are passed in: the kernel does not know the models) -------


def effective_status_sql(status: Any, status_before_return: Any) -> sa.ColumnElement[Any]:
    """SQL of ``effective_status``."""
    return sa.case(
        (status == str(WAITING), sa.func.coalesce(status_before_return, str(WAITING_DEFAULT))),
        else_=status,
    )


def waiting_sql(status_before_return: Any, kind: DeadlineKind) -> sa.ColumnElement[bool]:
    """SQL: a waiting return (``status = return_requested``) that keeps the clock of ``kind``."""
    return sa.func.coalesce(status_before_return, str(WAITING_DEFAULT)).in_(states_watching(kind))


def watched_due_sql(
    status: Any, status_before_return: Any, sign_due_at: Any, feedback_due_at: Any
) -> sa.ColumnElement[Any]:
    """SQL of ``watched_due``: the watched deadline, NULL for a status that is not watched."""
    columns = {DeadlineKind.SIGN: sign_due_at, DeadlineKind.FEEDBACK: feedback_due_at}
    effective = effective_status_sql(status, status_before_return)
    return sa.case(*((effective == str(state), columns[kind]) for state, kind in WATCHED.items()), else_=sa.null())
