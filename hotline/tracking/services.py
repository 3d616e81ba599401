"""Tracking services: sign-for, returns, feedback, extensions, close, reopen, revisit, cancel,
and the scoped ticket list and detail.

Each mutating service is one transaction (``_transaction``): load through ``scoping`` (so a
row outside a liaison's department is a 404), change state only through ``transitions``,
write the outbox rows the step implies, commit. Time comes in as ``now``.

A concurrent change of the same ticket (the ticket's ``version``, see ``transitions``) makes
the commit fail with ``StaleDataError``; the service then runs once more from a fresh read,
so the loser of a race is answered from the state the winner left: two simultaneous
sign-fors of one assignment give one 200 and one 409 "the assignment is accepted".

Notifications written here (SMS, kind ``notice``; never a child's or reporter's data):
    return requested        → center supervisors (they decide)
    return approved         → the department; and center supervisors when no lead is left
                              (the ticket is ``new`` again and needs re-dispatch)
    return rejected         → the department (the dispatch is binding; its due time)
    ticket awaits review    → center supervisors
    extension requested     → center supervisors
    extension approved/rejected → the department (the feedback due time in force)
    ticket reopened         → every department that works on it again (its new due time)
    ticket cancelled        → every department whose order was withdrawn
"Center supervisors" are the active supervisor accounts with a phone; when there are none,
the duty phones (``HOTLINE_DUTY_PHONES``) so a decision request is never dropped. Messages
for non-emergency tickets wait for the end of quiet hours; emergency ones go at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from hotline.audit import record_access
from hotline.errors import Conflict, ValidationError
from hotline.extensions import db
from hotline.models import (
    AccessLog,
    Assignment,
    Department,
    Extension,
    Feedback,
    MessageKind,
    ReferenceCode,
    Revisit,
    Role,
    Ticket,
    TicketEvent,
    User,
)
from hotline.notify import templates
from hotline.notify.contacts import Directory
from hotline.notify.outbox import add_message
from hotline.pagination import paginate
from hotline.reference.services import configured_ladder, current_reference
from hotline.settings import Settings
from hotline.tickets import calendar as deadlines
from hotline.tickets import lifecycle
from hotline.tickets.enums import AssignmentStatus, ExtensionStatus
from hotline.tickets.ladder import quiet_until
from hotline.tickets.reference import extension_in_working_days
from hotline.tickets.watched import watched_due, watched_due_sql
from hotline.tracking import notes, scoping
from hotline.tracking.related import related_tickets
from hotline.tracking.transitions import change_assignment, change_extension, change_ticket, record_event

T = TypeVar("T")

# Ticket states in which departments work on it (and may be taken off it).
WORKING_TICKET_STATES = ("dispatched", "in_progress", "awaiting_verification")

# A liaison's "due soon" work list: live assignments whose watched deadline falls in this window.
DUE_SOON = timedelta(hours=24)


# --- transactions --------------------------------------------------------------------------


def _transaction(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` and commit; roll back on any error; once more after a lost race."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        for attempt in (1, 2):
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except StaleDataError:
                db.session.rollback()
                if attempt == 2:
                    raise
            except BaseException:
                db.session.rollback()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    return run


# --- reference data and time -----------------------------------------------------------------


def applied_policy(ticket: Ticket) -> Mapping[str, Any]:
    """The deadline policies the ticket was dispatched with (``Ticket.deadline_policy``: the
    matching rule's own for its urgency), else its urgency's in the reference data."""
    return current_reference().applied_policy(ticket.deadline_policy, ticket.urgency)


def extends_in_working_days(ticket: Ticket) -> bool:
    """Whether the ticket's granted extension days are working days (else clock days)."""
    return extension_in_working_days(applied_policy(ticket))


def _extend(due: datetime, days: int, ticket: Ticket, tz: str) -> datetime:
    """``due`` moved by ``days`` granted, on the calendar of the ticket's feedback deadline."""
    if extends_in_working_days(ticket):
        return deadlines.add_working_days(due, days, tz)
    return deadlines.add_clock(due, days, "days")


# --- notifications -------------------------------------------------------------------------


def _quiet_until(ticket: Ticket, now: datetime, tz: str) -> datetime | None:
    return quiet_until(configured_ladder(tz), now, current_reference().is_emergency(ticket.urgency))


def department_phones(department: Department) -> list[str]:
    """A department's liaison phones (the one directory the chaser and dispatch use too)."""
    return Directory().liaisons(department)


def center_phones(settings: Settings) -> list[str]:
    """The protection center's supervisors; the on-duty numbers when none has a phone."""
    return Directory().center() or list(settings.duty_phones)


def _send(
    phones: list[str],
    template: str,
    ticket: Ticket,
    now: datetime,
    assignment: Assignment | None = None,
    due: datetime | None = None,
    *,
    settings: Settings,
    **fields: Any,
) -> None:
    """A notice about ``ticket``: its number, urgency name and ``due`` written by the one formatter."""
    reference = current_reference()
    moments = {"due": due} if due is not None else {}
    body = templates.render(
        template, **templates.ticket_fields(ticket, reference, settings.timezone, **moments), **fields
    )
    not_before = _quiet_until(ticket, now, settings.timezone)
    for phone in phones:
        add_message(
            phone,
            body,
            MessageKind.NOTICE,
            ticket_id=ticket.id,
            assignment_id=assignment.id if assignment else None,
            emergency=reference.is_emergency(ticket.urgency),
            not_before=not_before,
        )


def _tell_department(
    assignment: Assignment,
    template: str,
    now: datetime,
    due: datetime | None = None,
    *,
    settings: Settings,
    **fields: Any,
) -> None:
    phones = department_phones(assignment.department)
    _send(phones, template, assignment.ticket, now, assignment, due, settings=settings, **fields)


def _tell_center(
    ticket: Ticket,
    template: str,
    now: datetime,
    assignment: Assignment | None = None,
    *,
    settings: Settings,
    **fields: Any,
) -> None:
    _send(center_phones(settings), template, ticket, now, assignment, settings=settings, **fields)


def _watched_due(assignment: Assignment) -> datetime:
    return watched_due(assignment) or assignment.feedback_due_at


# --- ticket-level consequences of assignment steps -------------------------------------------


def _pairs(ticket: Ticket) -> list[tuple[str, str]]:
    return [(a.role, a.status) for a in ticket.assignments]


# The reasons the timeline gives when the ticket goes back for dispatch.
LEAD_RETURNED = "主办单位退单已批准 the lead's return was approved"
LEAD_WITHDRAWN = "主办单位已撤回 the lead was taken off the ticket"


def _after_assignment_step(
    ticket: Ticket, *, actor: User, now: datetime, settings: Settings, withdrawn: bool = False
) -> None:
    """Move the ticket when its assignments say so: unroute without a lead, submit when all are done.

    ``withdrawn``: the center itself took the lead off, so it needs no SMS to re-dispatch.
    """
    pairs = _pairs(ticket)
    if ticket.status in ("dispatched", "in_progress", "awaiting_verification") and not lifecycle.has_lead(pairs):
        reason = LEAD_WITHDRAWN if withdrawn else LEAD_RETURNED
        change_ticket(ticket, "unroute", actor=actor, now=now, reason=reason)
        if not withdrawn:
            _tell_center(ticket, "ticket_unrouted", now, settings=settings)
    elif ticket.status == "in_progress" and lifecycle.ready_for_verification(pairs):
        change_ticket(ticket, "submit", actor=actor, now=now)
        _tell_center(ticket, "awaiting_verification", now, settings=settings)


# --- assignments ---------------------------------------------------------------------------


@_transaction
def accept_assignment(assignment_id: int, *, actor: User, now: datetime, settings: Settings) -> Assignment:
    """签收: only from ``pending``; the first sign-for starts the ticket."""
    assignment = scoping.assignment_for(actor, assignment_id)
    change_assignment(assignment, "accept", actor=actor, now=now, tz=settings.timezone)
    if assignment.ticket.status == "dispatched":
        change_ticket(assignment.ticket, "start", actor=actor, now=now)
    return assignment


@_transaction
def request_return(assignment_id: int, reason: str, *, actor: User, now: datetime, settings: Settings) -> Assignment:
    """退单 request: the center decides; the clocks keep running meanwhile."""
    assignment = scoping.assignment_for(actor, assignment_id)
    change_assignment(assignment, "request_return", actor=actor, now=now, reason=reason, tz=settings.timezone)
    _tell_center(
        assignment.ticket, "return_requested", now, assignment, bureau=assignment.department.name, settings=settings
    )
    return assignment


@_transaction
def approve_return(
    assignment_id: int, *, actor: User, now: datetime, settings: Settings, note: str | None = None
) -> Assignment:
    """The center accepts a return: the order is ``returned``; no lead left → the ticket is ``new``."""
    assignment = scoping.assignment_for(actor, assignment_id)
    change_assignment(assignment, "approve_return", actor=actor, now=now, reason=note, tz=settings.timezone)
    _tell_department(assignment, "return_approved", now, settings=settings)
    _after_assignment_step(assignment.ticket, actor=actor, now=now, settings=settings)
    return assignment


@_transaction
def reject_return(assignment_id: int, reason: str, *, actor: User, now: datetime, settings: Settings) -> Assignment:
    """The dispatch is binding: back to the state before the request; the department is told."""
    assignment = scoping.assignment_for(actor, assignment_id)
    change_assignment(assignment, "reject_return", actor=actor, now=now, reason=reason, tz=settings.timezone)
    _tell_department(assignment, "return_rejected", now, due=_watched_due(assignment), settings=settings)
    return assignment


@_transaction
def withdraw_assignment(
    assignment_id: int, reason: str, *, actor: User, now: datetime, settings: Settings
) -> Assignment:
    """撤回: the center takes a department off the ticket. Its clocks and chasing stop, it no
    longer sees the ticket, and it is told by SMS (number and urgency only). With no lead
    left the ticket goes back to ``new`` for re-dispatch; if everyone left has finished it
    awaits verification."""
    assignment = scoping.assignment_for(actor, assignment_id)
    if assignment.ticket.status not in WORKING_TICKET_STATES:
        raise Conflict(
            f"工单当前状态为 {assignment.ticket.status}，不能撤回承办部门。 "
            f"ticket is '{assignment.ticket.status}': no department can be taken off it now",
            {"status": [assignment.ticket.status]},
        )
    change_assignment(assignment, "withdraw", actor=actor, now=now, reason=reason, tz=settings.timezone)
    _tell_department(assignment, "assignment_withdrawn", now, settings=settings)
    _after_assignment_step(assignment.ticket, actor=actor, now=now, withdrawn=True, settings=settings)
    return assignment


# The reasons the timeline shows for steps a supervisor records on a department's behalf.
ON_BEHALF_FEEDBACK = "代反馈：督办人员代部门录入 recorded by a supervisor for the department"
ON_BEHALF_SIGN_FOR = (
    "代签收：部门以电话或书面答复，督办人员代为签收 signed for by a supervisor for the department, "
    "which answered by phone or on paper"
)


@_transaction
def add_feedback(
    assignment_id: int,
    summary: str,
    final: bool,
    *,
    actor: User,
    now: datetime,
    settings: Settings,
    on_behalf: bool = False,
) -> Feedback:
    """反馈, interim or final (only once signed for); the last final feedback submits the ticket.

    ``on_behalf`` (代反馈): a supervisor records what the department reported by phone or on
    paper; the event names both the supervisor (actor) and the department. A department that
    answered that way may never have signed for it in the app: then its sign-for is recorded
    first, on its behalf too (its own event). A department may not finish while its own
    extension request waits for a decision (409): the center would be deciding on a deadline
    that no longer matters.
    """
    if on_behalf != (actor.role == Role.SUPERVISOR):
        if on_behalf:
            raise ValidationError(
                "只有督办人员可以代反馈 only a supervisor records feedback on behalf of a department",
                {"on_behalf": ["只有督办人员可以代反馈 only a supervisor may set on_behalf"]},
            )
        raise ValidationError(
            "督办人员只能代部门反馈，请注明 on_behalf a supervisor records feedback only on behalf of the department",
            {"on_behalf": ["督办人员代反馈须为 true must be true for a supervisor (代反馈)"]},
        )
    assignment = scoping.assignment_for(actor, assignment_id)
    if final:
        waiting = db.session.scalar(
            sa.select(Extension.id).where(
                Extension.assignment_id == assignment.id, Extension.status == ExtensionStatus.PENDING
            )
        )
        if waiting is not None:
            raise Conflict(
                f"延期申请 #{waiting} 尚待审批，暂不能办结反馈。 extension request {waiting} is still pending: "
                "final feedback waits for the decision",
                {"extension_id": [waiting]},
            )
    behalf: dict[str, Any] = {"on_behalf": True, "recorded_by": actor.username} if on_behalf else {}
    if on_behalf and assignment.status == AssignmentStatus.PENDING:
        change_assignment(
            assignment, "accept", actor=actor, now=now, reason=ON_BEHALF_SIGN_FOR, data=behalf, tz=settings.timezone
        )
        if assignment.ticket.status == "dispatched":
            change_ticket(assignment.ticket, "start", actor=actor, now=now)
    feedback = Feedback(
        assignment_id=assignment.id,
        author_id=actor.id,
        summary=summary,
        final=final,
        on_behalf=on_behalf,
        created_at=now,
    )
    db.session.add(feedback)
    db.session.flush()
    change_assignment(
        assignment,
        "final_feedback" if final else "feedback",
        actor=actor,
        now=now,
        reason=ON_BEHALF_FEEDBACK if on_behalf else None,
        data={"feedback_id": feedback.id, "final": final, **behalf},
        tz=settings.timezone,
    )
    if final:
        _after_assignment_step(assignment.ticket, actor=actor, now=now, settings=settings)
    return feedback


# Final feedback can be corrected while the center has not closed the ticket yet.
CORRECTABLE = ("in_progress", "awaiting_verification")


@_transaction
def correct_feedback(assignment_id: int, summary: str, *, actor: User, now: datetime, settings: Settings) -> Feedback:
    """A corrected final feedback: a new row and a new event (the first stays in the history);
    allowed until the center closes the ticket, so a verified record never changes."""
    assignment = scoping.assignment_for(actor, assignment_id)
    if assignment.ticket.status not in CORRECTABLE:
        raise Conflict(
            "工单已办结或已撤销，不能再更正反馈 the ticket is closed or cancelled: feedback can no longer be corrected"
        )
    earlier = [f.id for f in assignment.feedback if f.final]
    feedback = Feedback(assignment_id=assignment.id, author_id=actor.id, summary=summary, final=True, created_at=now)
    db.session.add(feedback)
    db.session.flush()
    change_assignment(
        assignment,
        "correct_feedback",
        actor=actor,
        now=now,
        data={"feedback_id": feedback.id, "corrects": earlier[-1] if earlier else None},
        tz=settings.timezone,
    )
    return feedback


# --- extensions ----------------------------------------------------------------------------


@_transaction
def request_extension(
    assignment_id: int, days: int, reason: str, *, actor: User, now: datetime, settings: Settings
) -> Extension:
    """延期 request, before the feedback deadline; at most ``EXTENSION_MAX_DAYS`` in all."""
    assignment = scoping.assignment_for(actor, assignment_id)
    if (assignment.status, "extend") not in lifecycle.ASSIGNMENT:
        raise Conflict(
            f"派单当前状态为 {assignment.status}，不能申请延期。 assignment is '{assignment.status}': no extension can be requested",
            {"status": [assignment.status]},
        )
    if now >= assignment.feedback_due_at:
        raise Conflict(
            "反馈期限已过，不能再申请延期。 the feedback deadline has passed: request an extension before it",
            {"feedback_due_at": [assignment.feedback_due_at.isoformat()]},
        )
    waiting = db.session.scalar(
        sa.select(Extension.id).where(
            Extension.assignment_id == assignment.id, Extension.status == ExtensionStatus.PENDING
        )
    )
    if waiting is not None:
        raise Conflict(
            f"已有待审批的延期申请 #{waiting}。 extension request {waiting} is still pending",
            {"extension_id": [waiting]},
        )
    left = lifecycle.EXTENSION_MAX_DAYS - (assignment.extended_days or 0)
    if days > left:
        raise ValidationError(
            f"延期总计不得超过 {lifecycle.EXTENSION_MAX_DAYS} 天，还可申请 {left} 天。 at most {left} more days",
            {"days": [f"at most {max(left, 0)} more days (total {lifecycle.EXTENSION_MAX_DAYS})"]},
        )
    extension = Extension(
        assignment_id=assignment.id,
        days=days,
        reason=reason,
        status=ExtensionStatus.PENDING,
        requested_by_id=actor.id,
        created_at=now,
    )
    db.session.add(extension)
    db.session.flush()
    assignment.ticket.updated_at = now
    record_event(
        assignment.ticket,
        "extension.request",
        actor=actor,
        now=now,
        assignment=assignment,
        to_status=ExtensionStatus.PENDING,
        reason=reason,
        data={"extension_id": extension.id, "days": days, "bureau": assignment.department.code},
    )
    _tell_center(
        assignment.ticket,
        "extension_requested",
        now,
        assignment,
        bureau=assignment.department.name,
        days=str(days),
        settings=settings,
    )
    return extension


@_transaction
def approve_extension(
    extension_id: int,
    *,
    actor: User,
    now: datetime,
    settings: Settings,
    days: int | None = None,
    note: str | None = None,
) -> Extension:
    """Grant the request (or fewer days): ``feedback_due_at`` moves by the days granted."""
    extension = scoping.extension_for(actor, extension_id)
    assignment = extension.assignment
    granted = extension.days if days is None else days
    if granted > extension.days:
        raise ValidationError(
            f"批准天数不能超过申请的 {extension.days} 天。", {"days": [f"at most the {extension.days} days requested"]}
        )
    requested = extension.days
    extension.days = granted
    change_extension(extension, "approve", actor=actor, now=now, reason=note)
    ticket = assignment.ticket
    new_due = _extend(assignment.feedback_due_at, granted, ticket, settings.timezone)
    change_assignment(
        assignment,
        "extend",
        actor=actor,
        now=now,
        reason=note,
        feedback_due_at=new_due,
        data={"extension_id": extension.id, "days": granted, "days_requested": requested},
        tz=settings.timezone,
    )
    assignment.extended_days = (assignment.extended_days or 0) + granted
    record_event(
        ticket,
        "extension.public",
        actor=actor,
        now=now,
        from_status=ticket.status,
        to_status=ticket.status,
        public_note=lifecycle.EXTENDED_NOTE,
        data={"extension_id": extension.id},
    )
    _tell_department(assignment, "extension_approved", now, due=new_due, days=str(granted), settings=settings)
    return extension


@_transaction
def reject_extension(
    extension_id: int, *, actor: User, now: datetime, settings: Settings, reason: str | None = None
) -> Extension:
    extension = scoping.extension_for(actor, extension_id)
    change_extension(extension, "reject", actor=actor, now=now, reason=reason)
    assignment = extension.assignment
    _tell_department(assignment, "extension_rejected", now, due=assignment.feedback_due_at, settings=settings)
    return extension


def list_extensions(*, actor: User, status: str | None = None, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """Extension requests, oldest first (the supervisors' queue with ``status=pending``)."""
    query = scoping.extensions(actor)
    if status:
        query = query.where(Extension.status == status)
    items, total = paginate(query.order_by(Extension.id), page, per_page)
    return {"items": items, "total": total}


# --- tickets -------------------------------------------------------------------------------


def _reopen(ticket: Ticket, reason: str, *, actor: User, now: datetime, settings: Settings) -> None:
    """Back to work: new deadlines from ``now`` for every order not returned, by the policies
    dispatch applied (a rule's own deadlines stay the ticket's)."""
    change_ticket(ticket, "reopen", actor=actor, now=now, reason=reason)
    policy = applied_policy(ticket)
    tz = settings.timezone
    feedback_due = deadlines.due_at(now, policy["feedback"], tz)
    for assignment in ticket.assignments:
        if assignment.status in lifecycle.ENDED_ASSIGNMENT_STATES:
            continue
        sign_due = deadlines.due_at(now, policy["sign"], tz) if assignment.status == AssignmentStatus.PENDING else None
        change_assignment(
            assignment,
            "reopen",
            actor=actor,
            now=now,
            reason=reason,
            sign_due_at=sign_due,
            feedback_due_at=feedback_due,
            tz=settings.timezone,
        )
        _tell_department(assignment, "ticket_reopened", now, due=feedback_due, settings=settings)


@_transaction
def close_ticket(ticket_id: int, note: str, *, actor: User, now: datetime, settings: Settings) -> Ticket:
    """办结 after review: only from ``awaiting_verification``."""
    ticket = scoping.ticket_for(actor, ticket_id)
    change_ticket(ticket, "close", actor=actor, now=now, reason=note)
    return ticket


@_transaction
def reopen_ticket(ticket_id: int, reason: str, *, actor: User, now: datetime, settings: Settings) -> Ticket:
    ticket = scoping.ticket_for(actor, ticket_id)
    _reopen(ticket, reason, actor=actor, now=now, settings=settings)
    return ticket


@_transaction
def revisit_ticket(
    ticket_id: int, outcome: str, note: str | None, *, actor: User, now: datetime, settings: Settings
) -> Ticket:
    """回访 of a closed ticket; ``unsatisfied`` reopens it."""
    ticket = scoping.ticket_for(actor, ticket_id)
    public = lifecycle.REVISITED_NOTE if outcome in lifecycle.SATISFIED_OUTCOMES else None
    change_ticket(ticket, "revisit", actor=actor, now=now, reason=note, data={"outcome": outcome}, public_note=public)
    db.session.add(Revisit(ticket_id=ticket.id, outcome=outcome, note=note, by_id=actor.id, created_at=now))
    if outcome in lifecycle.REOPENING_OUTCOMES:
        _reopen(
            ticket,
            "回访不满意 unsatisfied revisit" + (f": {note}" if note else ""),
            actor=actor,
            now=now,
            settings=settings,
        )
    return ticket


@_transaction
def cancel_ticket(ticket_id: int, reason: str, *, actor: User, now: datetime, settings: Settings) -> Ticket:
    """Duplicate or invalid: the ticket is cancelled and every live order withdrawn."""
    ticket = scoping.ticket_for(actor, ticket_id)
    change_ticket(ticket, "cancel", actor=actor, now=now, reason=reason)
    for assignment in ticket.assignments:
        if assignment.status in lifecycle.LIVE_ASSIGNMENT_STATES:
            change_assignment(assignment, "withdraw", actor=actor, now=now, reason=reason, tz=settings.timezone)
            _tell_department(assignment, "ticket_cancelled", now, settings=settings)
    return ticket


# --- reading -------------------------------------------------------------------------------


def _watched_due_sql() -> sa.ColumnElement:
    a = Assignment
    return watched_due_sql(a.status, a.status_before_return, a.sign_due_at, a.feedback_due_at)


def _live_sql() -> sa.ColumnElement[bool]:
    return Assignment.status.in_(sorted(lifecycle.LIVE_ASSIGNMENT_STATES))


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """A live assignment past the deadline it is held to (sign-for while pending, else feedback)."""
    return sa.and_(_live_sql(), _watched_due_sql() < now)


VIEWS: dict[str, Callable[[datetime], sa.ColumnElement[bool]]] = {
    AssignmentStatus.PENDING: lambda now: Assignment.status == AssignmentStatus.PENDING,
    "due_soon": lambda now: sa.and_(_live_sql(), _watched_due_sql() >= now, _watched_due_sql() < now + DUE_SOON),
    "overdue": overdue_clause,
    "return_requested": lambda now: Assignment.status == "return_requested",
}


def _code_exists(kind: str, code: str) -> bool:
    if kind == "bureau":
        return db.session.scalar(sa.select(Department.id).filter_by(code=code)) is not None
    return db.session.scalar(sa.select(ReferenceCode.id).filter_by(kind=kind, code=code)) is not None


def list_tickets(filters: dict[str, Any], *, actor: User, now: datetime) -> dict[str, Any]:
    """Tickets the actor may see, filtered and paginated: ``{"items", "total"}``.

    ``view`` selects a work list by the actor's assignments (a liaison's own department's):
    ``pending`` to sign for, ``due_soon`` (deadline within ``DUE_SOON``), ``overdue``, and
    ``return_requested`` (the center's queue of returns to decide); items come soonest
    deadline first. Otherwise newest first.
    """
    errors = {}
    for name, kind in (("bureau", "bureau"), ("urgency", "urgency"), ("protection_type", "protection_type")):
        if filters.get(name) and not _code_exists(kind, filters[name]):
            errors[name] = [f"unknown code '{filters[name]}'"]
    if errors:
        raise ValidationError("输入有误 Validation failed", errors)
    query = scoping.tickets(actor)
    if filters.get("q"):
        query = query.where(search_clause(filters["q"], actor))
    for name in ("status", "urgency", "channel", "call_sid"):
        if filters.get(name):
            query = query.where(getattr(Ticket, name) == filters[name])
    if filters.get("protection_type"):
        query = query.where(sa.cast(Ticket.protection_types, sa.String).like(f'%"{filters["protection_type"]}"%'))
    own = scoping.assignment_filter(actor)
    if filters.get("bureau"):
        in_bureau = (
            sa.select(Assignment.ticket_id)
            .join(Department, Department.id == Assignment.department_id)
            .where(own, Department.code == filters["bureau"])
        )
        query = query.where(Ticket.id.in_(in_bureau))
    if filters.get("overdue") is not None:
        late = sa.select(Assignment.ticket_id).where(own, overdue_clause(now))
        query = query.where(Ticket.id.in_(late) if filters["overdue"] else Ticket.id.not_in(late))
    if filters.get("revisited") is not None:  # the console's "closed: revisit the reporter" list
        done = sa.select(Revisit.ticket_id)
        query = query.where(Ticket.id.in_(done) if filters["revisited"] else Ticket.id.not_in(done))
    if filters.get("finished"):  # a liaison's history: tickets their department has finished
        finished = sa.select(Assignment.ticket_id).where(own, Assignment.status == "completed")
        query = query.where(Ticket.id.in_(finished))
    view = filters.get("view")
    if view:
        due = (
            sa.select(Assignment.ticket_id, sa.func.min(_watched_due_sql()).label("due"))
            .where(own, VIEWS[view](now))
            .group_by(Assignment.ticket_id)
            .subquery()
        )
        query = query.join(due, due.c.ticket_id == Ticket.id).order_by(due.c.due, Ticket.id)
    else:
        query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    query = query.options(selectinload(Ticket.assignments).joinedload(Assignment.department))
    items, total = paginate(query, filters.get("page", 1), filters.get("per_page", 50))
    unread = notes.unread_notes([t.id for t in items], actor=actor)
    views = [ticket_view(t, actor) for t in items]
    for view in views:
        view.overrides["unread_notes"] = unread.get(view.id, 0)
    return {"items": views, "total": total}


def search_clause(q: str, actor: User) -> sa.ColumnElement[bool]:
    """``?q=``: the number or tracking code on every ticket the actor sees; the reporter's phone,
    the child's name and the address only on tickets whose personal fields the actor sees
    (``scoping.personal_filter``), so a search cannot reveal what the ticket would hide.

    A phone is matched by its digits, so 139 0000 1111, 13900001111 and +8613900001111 all find
    a ticket stored as +8613900001111.
    """
    text = q.strip()
    found = [Ticket.number.icontains(text, autoescape=True), Ticket.tracking_code.contains(text, autoescape=True)]
    personal = [Ticket.child_name.icontains(text, autoescape=True), Ticket.address.icontains(text, autoescape=True)]
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 4 and not any(c.isalpha() for c in text):
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        phone = Ticket.reporter_phone.contains(digits, autoescape=True)
        # A department never sees an anonymous reporter's phone, so it cannot find it either.
        personal.append(sa.and_(phone, ~Ticket.reporter_anonymous) if scoping.is_department_user(actor) else phone)
    personal_clause = sa.and_(sa.or_(*personal), scoping.personal_filter(actor))
    return sa.or_(*found, personal_clause)


@dataclass
class TicketView:
    """A ticket as one user may see it: the row, with what they may not see blanked out.

    Attribute reads fall through to the ticket, so the output schemas work on either.
    """

    ticket: Ticket
    overrides: dict[str, Any] = field(default_factory=dict)
    assignments: list[Any] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    related: list[dict[str, Any]] | None = None  # linked tickets the reader may see (detail only)

    def __getattr__(self, name: str) -> Any:
        overrides = self.__dict__.get("overrides", {})
        if name in overrides:
            return overrides[name]
        return getattr(self.__dict__["ticket"], name)


@dataclass
class AssignmentView:
    """An assignment as one user may see it: another department's reasons and work stay out."""

    assignment: Assignment
    feedback: list[Feedback] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    return_reason: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["assignment"], name)


def reporter_overrides(ticket: Ticket, actor: User) -> dict[str, Any]:
    """The personal fields ``actor`` may not see, blanked (the need-to-know rule is
    ``hotline.tracking.scoping.hidden_fields``)."""
    return scoping.hidden_fields(ticket, actor)


def ticket_view(ticket: Ticket, actor: User, *, detail: bool = False) -> TicketView:
    assignments = []
    for assignment in ticket.assignments:
        own = scoping.can_see_assignment(actor, assignment)
        assignments.append(
            AssignmentView(
                assignment,
                feedback=list(assignment.feedback) if own and detail else [],
                extensions=list(assignment.extensions) if own and detail else [],
                return_reason=assignment.return_reason if own else None,
            )
        )
    return TicketView(ticket, reporter_overrides(ticket, actor), assignments)


def _timeline(ticket: Ticket, actor: User) -> list[dict[str, Any]]:
    own_assignments = {a.id for a in ticket.assignments if scoping.can_see_assignment(actor, a)}
    events = db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    items: list[dict[str, Any]] = []
    for event in events:
        if event.assignment_id is not None and event.assignment_id not in own_assignments:
            continue
        items.append(
            {
                "id": event.id,
                "at": event.created_at,
                "action": event.action,
                "actor": event.actor.username if event.actor else None,
                "actor_role": event.actor.role if event.actor else None,
                "assignment_id": event.assignment_id,
                "bureau": (event.data or {}).get("bureau"),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
                "data": event.data or {},
                "public_note": event.public_note,
            }
        )
    if actor.role in (Role.SUPERVISOR, Role.ADMIN):
        items = _with_reads(ticket, items)
    return items


def _with_reads(ticket: Ticket, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The workflow with the recorded reads between its steps, grouped: one ``read`` item per
    reader between two steps (``data``: ``count``, ``via``, ``last_at``), so a ticket read fifty
    times still shows its workflow at a glance. Every single read is in ``GET /access-log``."""
    reads = db.session.scalars(
        sa.select(AccessLog).where(AccessLog.ticket_id == ticket.id).order_by(AccessLog.created_at, AccessLog.id)
    ).all()
    merged: list[dict[str, Any]] = []
    pending = sorted(events, key=lambda item: item["at"])
    open_groups: dict[int, dict[str, Any]] = {}
    step = 0
    for read in reads:
        while step < len(pending) and pending[step]["at"] <= read.created_at:
            merged.append(pending[step])
            step += 1
            open_groups = {}  # a workflow step closes the groups before it
        group = open_groups.get(read.user_id)
        if group is None:
            group = {
                "id": None,
                "at": read.created_at,
                "action": "read",
                "actor": read.user.username,
                "actor_role": read.role or read.user.role,
                "assignment_id": None,
                "bureau": None,
                "from_status": None,
                "to_status": None,
                "reason": None,
                "data": {"via": [], "count": 0, "last_at": None},
                "public_note": None,
            }
            open_groups[read.user_id] = group
            merged.append(group)
        group["data"]["count"] += 1
        group["data"]["last_at"] = read.created_at.isoformat()
        if read.via not in group["data"]["via"]:
            group["data"]["via"].append(read.via)
    merged.extend(pending[step:])
    return merged


def get_ticket(ticket_id: int, *, actor: User, now: datetime, via: str = "api") -> TicketView:
    """The full ticket with its timeline. Every read is recorded in the access log first."""
    ticket = scoping.ticket_for(actor, ticket_id)
    record_access(actor, via=via, now=now, ticket_id=ticket.id)
    db.session.commit()
    view = ticket_view(ticket, actor, detail=True)
    view.timeline = _timeline(ticket, actor)
    view.related = related_tickets(ticket.id, actor)
    view.overrides["notes"] = notes.notes_of(ticket.id)
    view.overrides["attachments"] = notes.attachments_of(ticket.id)
    notes.mark_notes_read(ticket.id, actor=actor, now=now)
    return view
