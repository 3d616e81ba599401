"""Department scoping and need-to-know, in one place: what each signed-in user may see.

A liaison sees only tickets that have a live assignment of their department (not returned,
not withdrawn), only those assignments and their extension requests, and nothing else exists
for them: a row outside the scope is answered exactly like a row that does not exist (404),
in lists, details, actions and counts. Within a ticket, the child's and the reporter's
identities appear only once the department has signed for it (``hidden_fields``).
Operators, supervisors and admins see everything.

Every query a service runs on behalf of a user goes through ``tickets``/``assignments``/
``extensions`` here (or the ``*_filter`` clauses for queries that join); the loaders
``ticket_for``/``assignment_for``/``extension_for`` raise the 404.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from hotline.errors import NotFound
from hotline.extensions import db
from hotline.models import Assignment, Extension, Role, Ticket, User
from hotline.tickets import lifecycle

NOT_FOUND_TICKET = "工单不存在 ticket not found"
NOT_FOUND_ASSIGNMENT = "派单不存在 assignment not found"
NOT_FOUND_EXTENSION = "延期申请不存在 extension request not found"

# A department whose order ended this way (returned, or taken off: 撤回) no longer sees the
# ticket at all: the kernel's ended states.
GONE_STATES = tuple(sorted(lifecycle.ENDED_ASSIGNMENT_STATES))
# What identifies the child and the reporter: a department sees it only once it has signed for.
IDENTITY_FIELDS = ("child_name", "child_age", "address", "reporter_phone")


def is_department_user(actor: User) -> bool:
    """True for users whose view is limited to their own department (liaisons)."""
    return actor.role == Role.LIAISON


def _department_id(actor: User) -> int:
    # A liaison without a department (should not exist) sees nothing rather than everything.
    return actor.department_id if actor.department_id is not None else -1


def assignment_filter(actor: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Assignment`` limiting it to what ``actor`` may see."""
    if not is_department_user(actor):
        return sa.true()
    return sa.and_(Assignment.department_id == _department_id(actor), Assignment.status.not_in(GONE_STATES))


def ticket_filter(actor: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Ticket``: for a liaison, tickets with an assignment of their department."""
    if not is_department_user(actor):
        return sa.true()
    own = sa.select(Assignment.ticket_id).where(assignment_filter(actor))
    return Ticket.id.in_(own)


def personal_filter(actor: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Ticket``: tickets whose personal fields (child, address, reporter
    phone) ``actor`` sees. A liaison sees them only once their department has signed for its
    assignment (need-to-know: ``accepted_at`` set, and not returned or taken off since)."""
    if not is_department_user(actor):
        return sa.true()
    signed = sa.select(Assignment.ticket_id).where(
        Assignment.department_id == _department_id(actor),
        Assignment.accepted_at.is_not(None),
        Assignment.status.not_in(GONE_STATES),
    )
    return Ticket.id.in_(signed)


def extension_filter(actor: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Extension`` (joined to nothing): requests of the actor's department."""
    if not is_department_user(actor):
        return sa.true()
    own = sa.select(Assignment.id).where(assignment_filter(actor))
    return Extension.assignment_id.in_(own)


def tickets(actor: User) -> sa.Select:
    return sa.select(Ticket).where(ticket_filter(actor))


def assignments(actor: User) -> sa.Select:
    return sa.select(Assignment).where(assignment_filter(actor))


def extensions(actor: User) -> sa.Select:
    return sa.select(Extension).where(extension_filter(actor))


def ticket_for(actor: User, ticket_id: int) -> Ticket:
    ticket = db.session.scalar(tickets(actor).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound(NOT_FOUND_TICKET)
    return ticket


def assignment_for(actor: User, assignment_id: int) -> Assignment:
    assignment = db.session.scalar(assignments(actor).where(Assignment.id == assignment_id))
    if assignment is None:
        raise NotFound(NOT_FOUND_ASSIGNMENT)
    return assignment


def extension_for(actor: User, extension_id: int) -> Extension:
    extension = db.session.scalar(extensions(actor).where(Extension.id == extension_id))
    if extension is None:
        raise NotFound(NOT_FOUND_EXTENSION)
    return extension


def can_see_assignment(actor: User, assignment: Assignment) -> bool:
    """For filtering what is already loaded (a ticket's assignments and timeline)."""
    return not is_department_user(actor) or (
        assignment.department_id == actor.department_id and assignment.status not in GONE_STATES
    )


# --- need-to-know -------------------------------------------------------------------------------


def signed_for(actor: User, ticket: Ticket) -> bool:
    """True once the actor's department holds a signed-for order on the ticket (accepted, or any
    later state but returned/withdrawn). The center always counts as signed for."""
    if not is_department_user(actor):
        return True
    return any(
        a.department_id == actor.department_id and a.accepted_at is not None and a.status not in GONE_STATES
        for a in ticket.assignments
    )


def hidden_fields(ticket: Ticket, actor: User) -> dict[str, Any]:
    """The ticket's personal fields this actor may not see, as ``{attribute: None}``.

    The center sees everything. A department never sees the reporter's name (not needed to
    follow up), nor anything of an anonymous reporter; before it has signed for its order it
    sees no identities (the child's name and age, the detailed address, the reporter's phone):
    the description, codes, street and urgency are enough to decide to sign for or return it.
    """
    if not is_department_user(actor):
        return {}
    hidden: dict[str, Any] = {"reporter_name": None}
    if ticket.reporter_anonymous:
        hidden["reporter_phone"] = None
    if not signed_for(actor, ticket):
        hidden.update(dict.fromkeys(IDENTITY_FIELDS))
    return hidden
