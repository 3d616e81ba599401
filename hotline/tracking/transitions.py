"""The one place where tickets, assignments and extensions change state.

Each function checks the transition table, applies the new state (and new deadlines),
recomputes the chaser's ``next_escalation_at``, and appends an event (who, when, from, to,
reason, deadlines before and after). They never commit: the calling service owns the
transaction, so the event, the state and any outbox rows land together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.errors import Conflict
from hotline.extensions import db
from hotline.models import Assignment, Extension, Ticket, TicketEvent, User
from hotline.tracking import lifecycle
from hotline.tracking.lifecycle import PUBLIC_NOTES, TransitionError


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _deadlines(assignment: Assignment) -> dict[str, str | None]:
    return {"sign_due_at": _iso(assignment.sign_due_at), "feedback_due_at": _iso(assignment.feedback_due_at)}


def record_event(
    ticket: Ticket,
    action: str,
    *,
    actor: User | None,
    now: datetime,
    assignment: Assignment | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    public_note: str | None = None,
) -> TicketEvent:
    """Append an event (append-only: nothing in the code base updates or deletes one)."""
    event = TicketEvent(
        ticket_id=ticket.id,
        assignment_id=assignment.id if assignment is not None else None,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
        public_note=public_note,
        created_at=now,
    )
    db.session.add(event)
    return event


def change_ticket(
    ticket: Ticket,
    action: str,
    *,
    actor: User | None,
    now: datetime,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    public_note: str | None = None,
) -> TicketEvent:
    current = ticket.status
    try:
        target = lifecycle.step("ticket", current, action)
    except TransitionError as exc:
        raise Conflict(f"工单当前状态为 {current}，不能执行 {action}。{exc}", {"status": [current]}) from exc
    ticket.status = target
    ticket.updated_at = now
    if target == "closed":
        ticket.closed_at = now
    if public_note is None and target != current:
        public_note = PUBLIC_NOTES.get(target)
    return record_event(
        ticket, action, actor=actor, now=now, from_status=current, to_status=target, reason=reason, data=data,
        public_note=public_note,
    )


def change_assignment(
    assignment: Assignment,
    action: str,
    *,
    actor: User | None,
    now: datetime,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    sign_due_at: datetime | None = None,
    feedback_due_at: datetime | None = None,
) -> TicketEvent:
    current = assignment.status
    try:
        target = lifecycle.step("assignment", current, action, previous=assignment.status_before_return)
    except TransitionError as exc:
        raise Conflict(f"派单当前状态为 {current}，不能执行 {action}。{exc}", {"status": [current]}) from exc
    before = _deadlines(assignment)
    if target == "return_requested":
        assignment.status_before_return = current
    elif current == "return_requested":
        assignment.status_before_return = None
    assignment.status = target
    if sign_due_at is not None:
        assignment.sign_due_at = sign_due_at
    if feedback_due_at is not None:
        assignment.feedback_due_at = feedback_due_at
    schedule_chase(assignment, now)
    payload = dict(data or {})
    after = _deadlines(assignment)
    if after != before:
        payload["deadlines_before"], payload["deadlines_after"] = before, after
    payload.setdefault("bureau", assignment.department.code if assignment.department else None)
    return record_event(
        assignment.ticket, "assignment." + action, actor=actor, now=now, assignment=assignment,
        from_status=current, to_status=target, reason=reason, data=payload,
    )


def change_extension(extension: Extension, action: str, *, actor: User | None, now: datetime, reason: str | None = None) -> str:
    current = extension.status
    try:
        target = lifecycle.step("extension", current, action)
    except TransitionError as exc:
        raise Conflict(f"延期申请当前状态为 {current}，不能执行 {action}。{exc}", {"status": [current]}) from exc
    extension.status = target
    extension.decided_at = now
    extension.decided_by_id = actor.id if actor else None
    extension.decision_reason = reason
    return target


def schedule_chase(assignment: Assignment, now: datetime) -> None:
    """Recompute when the overdue chaser must next look at this assignment."""
    from hotline.tracking.ladder import next_escalation_at

    assignment.next_escalation_at = next_escalation_at(assignment, now)
