"""The one place where tickets, assignments and extensions change state.

Each function checks the transition table, applies the new state (with the columns the step
implies, and new deadlines), recomputes the chaser's ``next_escalation_at``, and appends an
event (who, when, from, to, reason, deadlines before and after). They never commit: the
calling service owns the transaction, so the event, the state and any outbox rows land
together or not at all.

Concurrency: every assignment or extension change also touches its ticket, so the ticket's
``version`` (SQLAlchemy ``version_id_col``) serialises all changes of one ticket. Two requests
that read the same version cannot both commit: the second flush raises ``StaleDataError``
(HTTP 409). Without this, two departments giving final feedback at the same moment would each
see the other still working and the ticket would never reach ``awaiting_verification``.

Public notes: an event that carries a ``public_note`` is shown by the reporter look-up, so it
is always a ticket-level event (no ``assignment_id``) whose ``to_status`` is the ticket's
status after the event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from hotline.errors import Conflict
from hotline.extensions import db
from hotline.models import AccessLog, Assignment, Extension, Ticket, TicketEvent, User
from hotline.reference.services import configured_ladder
from hotline.tickets import lifecycle
from hotline.tickets.ladder import next_escalation_at
from hotline.tickets.lifecycle import ACTION_PUBLIC_NOTES, PUBLIC_NOTES, TransitionError
from hotline.tickets.watched import watched


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _deadlines(assignment: Assignment) -> dict[str, str | None]:
    return {"sign_due_at": _iso(assignment.sign_due_at), "feedback_due_at": _iso(assignment.feedback_due_at)}


def _conflict(label: str, exc: TransitionError) -> Conflict:
    allowed = "、".join(exc.allowed) if exc.allowed else "无"
    return Conflict(
        f"{label}当前状态为 {exc.current}，不能执行 {exc.action}（当前可执行：{allowed}）。"
        f" {exc.kind} is '{exc.current}': '{exc.action}' is not allowed now",
        {"status": [exc.current], "allowed": exc.allowed},
    )


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
    """Move a ticket one step; a public note is written for every public-facing change."""
    current = ticket.status
    try:
        target = lifecycle.step("ticket", current, action)
    except TransitionError as exc:
        raise _conflict("工单", exc) from exc
    ticket.status = target
    ticket.updated_at = now
    if target == "closed":
        ticket.closed_at = now
    elif current == "closed":
        ticket.closed_at = None
    if target == "cancelled":
        ticket.cancel_reason = reason
    if public_note is None and target != current:
        public_note = ACTION_PUBLIC_NOTES.get(action) or PUBLIC_NOTES.get(target)
    return record_event(
        ticket,
        action,
        actor=actor,
        now=now,
        from_status=current,
        to_status=target,
        reason=reason,
        data=data,
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
    tz: str,
) -> TicketEvent:
    """Move an assignment one step, with the columns the step implies and any new deadlines
    (the chaser's next look is computed on the ladder in ``tz``, the hotline's timezone)."""
    current = assignment.status
    try:
        target = lifecycle.step("assignment", current, action, previous=assignment.status_before_return)
    except TransitionError as exc:
        raise _conflict("派单", exc) from exc
    before = _deadlines(assignment)
    with db.session.no_autoflush:  # one UPDATE per step, however the chaser reads its settings
        _apply(assignment, action, current, target, now, reason, sign_due_at, feedback_due_at, tz)
    payload = dict(data or {})
    after = _deadlines(assignment)
    if after != before:
        payload["deadlines_before"], payload["deadlines_after"] = before, after
    payload.setdefault("bureau", assignment.department.code if assignment.department else None)
    return record_event(
        assignment.ticket,
        "assignment." + action,
        actor=actor,
        now=now,
        assignment=assignment,
        from_status=current,
        to_status=target,
        reason=reason,
        data=payload,
    )


def _apply(
    assignment: Assignment,
    action: str,
    current: str,
    target: str,
    now: datetime,
    reason: str | None,
    sign_due_at: datetime | None,
    feedback_due_at: datetime | None,
    tz: str,
) -> None:
    watched_before = watched(assignment)
    if target == "return_requested":
        assignment.status_before_return = current
        assignment.return_reason = reason
        assignment.return_count = (assignment.return_count or 0) + 1
    elif current == "return_requested":
        assignment.status_before_return = None
    if action == "accept":
        assignment.accepted_at = now
    elif action == "final_feedback":
        assignment.final_feedback_at = now
    elif action == "approve_return":
        assignment.returned_at = now
    elif action == "reopen":
        assignment.final_feedback_at = None
    assignment.status = target
    if sign_due_at is not None:
        assignment.sign_due_at = sign_due_at
    if feedback_due_at is not None:
        assignment.feedback_due_at = feedback_due_at
    if watched(assignment) != watched_before:
        # A new deadline (or a new kind of deadline) starts its escalation ladder afresh.
        assignment.escalation_level = 0
    schedule_chase(assignment, now, tz)
    assignment.ticket.updated_at = now  # bumps the ticket's version: see the module docstring


def change_extension(
    extension: Extension, action: str, *, actor: User | None, now: datetime, reason: str | None = None
) -> str:
    """Decide an extension request; returns the new status. The caller moves the deadline."""
    current = extension.status
    try:
        target = lifecycle.step("extension", current, action)
    except TransitionError as exc:
        raise _conflict("延期申请", exc) from exc
    extension.status = target
    extension.decided_at = now
    extension.decided_by_id = actor.id if actor else None
    extension.decision_reason = reason
    assignment = extension.assignment
    assignment.ticket.updated_at = now
    record_event(
        assignment.ticket,
        "extension." + action,
        actor=actor,
        now=now,
        assignment=assignment,
        from_status=current,
        to_status=target,
        reason=reason,
        data={"extension_id": extension.id, "days": extension.days, "bureau": assignment.department.code},
    )
    return target


APPEND_ONLY = (TicketEvent, AccessLog)


@sa_event.listens_for(db.session, "before_flush")
def _refuse_rewriting_history(session: Session, flush_context: Any, instances: Any) -> None:
    """Events and access-log rows are written once: an ORM change or delete of one is a bug."""
    for row in session.deleted:
        if isinstance(row, APPEND_ONLY):
            raise AppendOnlyError(f"{type(row).__name__} rows are append-only: no delete")
    for row in session.dirty:
        if isinstance(row, APPEND_ONLY) and session.is_modified(row, include_collections=False):
            raise AppendOnlyError(f"{type(row).__name__} rows are append-only: no update")


@sa_event.listens_for(db.session, "do_orm_execute")
def _refuse_bulk_rewrites(state: Any) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ in APPEND_ONLY:
            raise AppendOnlyError(f"{state.bind_mapper.class_.__name__} rows are append-only")


class AppendOnlyError(RuntimeError):
    pass


def schedule_chase(assignment: Assignment, now: datetime, tz: str) -> None:
    """Recompute when the overdue chaser must next look at this assignment."""
    assignment.next_escalation_at = next_escalation_at(assignment, now, configured_ladder(tz))
