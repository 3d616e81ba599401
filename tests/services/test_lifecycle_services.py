"""The lifecycle and dispatch services, called directly (no HTTP, no app per test).

Each test runs in one transaction rolled back at its end (``tx``), so every test starts from
the seeded reference data with no tickets, whatever the one before it committed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.dispatch.services import dispatch_ticket
from hotline.errors import Conflict
from hotline.extensions import db
from hotline.intake.tickets import create_ticket
from hotline.models import Department, Ticket, TicketEvent, User
from hotline.settings import current_settings
from hotline.tickets.calendar import due_at
from hotline.tickets.enums import AssignmentStatus, TicketStatus
from hotline.tracking.services import (
    accept_assignment,
    add_feedback,
    approve_return,
    cancel_ticket,
    close_ticket,
    reject_return,
    reopen_ticket,
    request_return,
)
from tests.factories import policy as urgency_policy
from tests.factories_dispatch import ticket_body

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
TZ = "Asia/Shanghai"


def user(role: str, bureau: str | None = None) -> User:
    department = db.session.scalar(sa.select(Department).filter_by(code=bureau)) if bureau else None
    account = User(username=f"{role}-{bureau or 'center'}", role=role, department=department, password_hash="-")
    db.session.add(account)
    db.session.flush()
    return account


@pytest.fixture
def people(tx):
    return {
        "operator": user("operator"),
        "supervisor": user("supervisor"),
        "liaison": user("liaison", "civil_affairs"),
        "other": user("liaison", "education"),
    }


def new_ticket(people, **overrides) -> Ticket:
    ticket, _secret = create_ticket(
        ticket_body(**overrides), channel="phone", actor=people["operator"], now=NOW, settings=current_settings()
    )
    return ticket


def tickets() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Ticket))


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_from_the_seed_whatever_the_last_one_committed(people, run):
    assert tickets() == 0
    new_ticket(people)
    assert tickets() == 1  # committed by the service, rolled back by the fixture


@pytest.mark.parametrize(
    ("urgency", "policy_of"),
    [("normal", "normal"), ("urgent", "urgent"), ("emergency", "emergency"), (None, "normal")],
)
def test_dispatch_by_the_rules_sets_the_urgencys_deadlines(people, urgency, policy_of):
    ticket = new_ticket(people, urgency=urgency)
    lead = next(a for a in ticket.assignments if a.role == "lead")
    policy = urgency_policy(policy_of)
    assert ticket.status == TicketStatus.DISPATCHED and lead.status == AssignmentStatus.PENDING
    assert lead.sign_due_at == due_at(NOW, policy["sign"], TZ)
    assert lead.feedback_due_at == due_at(NOW, policy["feedback"], TZ)


def test_the_whole_way_to_closed_and_back(people):
    ticket = new_ticket(people)
    lead = next(a for a in ticket.assignments if a.department.code == "civil_affairs")
    for other in ticket.assignments:
        if other is not lead:
            approve_return(
                request_return(
                    other.id,
                    "非本单位职责",
                    actor=user("liaison", other.department.code),
                    now=NOW,
                    settings=current_settings(),
                ).id,
                actor=people["operator"],
                now=NOW,
                settings=current_settings(),
            )
    accept_assignment(lead.id, actor=people["liaison"], now=NOW + timedelta(hours=1), settings=current_settings())
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.IN_PROGRESS
    add_feedback(
        lead.id, "已上门核实", True, actor=people["liaison"], now=NOW + timedelta(hours=2), settings=current_settings()
    )
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.AWAITING_VERIFICATION
    close_ticket(
        ticket.id, "办结", actor=people["supervisor"], now=NOW + timedelta(hours=3), settings=current_settings()
    )
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.CLOSED
    reopened = NOW + timedelta(days=2)
    reopen_ticket(ticket.id, "回访不满意", actor=people["supervisor"], now=reopened, settings=current_settings())
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.closed_at is None
    assert lead.status == AssignmentStatus.ACCEPTED
    assert lead.feedback_due_at == due_at(reopened, urgency_policy("normal")["feedback"], TZ)
    actions = [e.action for e in db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket.id))]
    assert actions[0] == "created" and "close" in actions and actions[-1].startswith("assignment.reopen")


def test_a_rejected_return_restores_the_state_and_the_clock(people):
    ticket = new_ticket(people)
    lead = next(a for a in ticket.assignments if a.department.code == "civil_affairs")
    accept_assignment(lead.id, actor=people["liaison"], now=NOW, settings=current_settings())
    request_return(
        lead.id, "不属于本单位", actor=people["liaison"], now=NOW + timedelta(hours=1), settings=current_settings()
    )
    assert lead.status == AssignmentStatus.RETURN_REQUESTED and lead.status_before_return == AssignmentStatus.ACCEPTED
    reject_return(
        lead.id, "派单有效", actor=people["operator"], now=NOW + timedelta(hours=2), settings=current_settings()
    )
    assert lead.status == AssignmentStatus.ACCEPTED and lead.status_before_return is None


def test_steps_the_state_does_not_allow_are_conflicts_and_change_nothing(people):
    ticket = new_ticket(people)
    lead = next(a for a in ticket.assignments if a.department.code == "civil_affairs")
    with pytest.raises(Conflict):
        close_ticket(ticket.id, "办结", actor=people["supervisor"], now=NOW, settings=current_settings())
    with pytest.raises(Conflict):
        add_feedback(lead.id, "未签收先反馈", True, actor=people["liaison"], now=NOW, settings=current_settings())
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.DISPATCHED


def test_cancel_withdraws_every_live_assignment_and_manual_dispatch_replaces_them(people):
    ticket = new_ticket(people)
    dispatch_ticket(
        ticket.id,
        [{"bureau": "education", "role": "lead"}],
        actor=people["operator"],
        now=NOW,
        settings=current_settings(),
    )
    ticket = db.session.get(Ticket, ticket.id)
    # The departments left out are taken off (withdrawn), not counted as returns: they never asked.
    live = {a.department.code: a.status for a in ticket.assignments if a.status != AssignmentStatus.WITHDRAWN}
    assert live == {"education": AssignmentStatus.PENDING}
    cancel_ticket(ticket.id, "重复报告", actor=people["operator"], now=NOW, settings=current_settings())
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == TicketStatus.CANCELLED
    assert all(a.status == AssignmentStatus.WITHDRAWN for a in ticket.assignments)
