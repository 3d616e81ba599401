"""When the chaser next needs to look at an assignment.

Interim version (the overdue-chasing issue replaces it with the full ladder): the watched
deadline is the sign-for deadline while pending, the feedback deadline once accepted; the
first look is at 75% of the window. Returned and completed assignments are not chased.
"""

from __future__ import annotations

from datetime import datetime

from hotline.models import Assignment

WATCHED = {"pending": "sign", "return_requested": None, "accepted": "feedback"}


def watched_deadline(assignment: Assignment) -> tuple[str, datetime] | None:
    status = assignment.status
    if status == "return_requested":
        status = assignment.status_before_return or "pending"
    kind = WATCHED.get(status)
    if kind is None:
        return None
    return kind, assignment.sign_due_at if kind == "sign" else assignment.feedback_due_at


def next_escalation_at(assignment: Assignment, now: datetime) -> datetime | None:
    watched = watched_deadline(assignment)
    if watched is None:
        return None
    _, due = watched
    start = assignment.dispatched_at or now
    return start + (due - start) * 0.75
