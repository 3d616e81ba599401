"""Every state × every step the API offers: allowed steps succeed and land where the table says,
every other step is answered 409 naming the current state and changes nothing.

(The internal steps — start, submit, unroute, withdraw, the assignments' reopen — happen as
consequences and are walked through in test_tracking_flow.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Extension, Ticket, TicketEvent
from hotline.tickets import lifecycle
from hotline.tickets.calendar import add_working_days
from hotline.tracking.scoping import GONE_STATES
from tests.factories import make_ticket, staff

TICKET_STATES = {
    # state: the assignments that make the state consistent
    "new": [],
    "dispatched": [("civil_affairs", "lead", "pending")],
    "in_progress": [("civil_affairs", "lead", "accepted")],
    "awaiting_verification": [("civil_affairs", "lead", "completed")],
    "closed": [("civil_affairs", "lead", "completed")],
    "cancelled": [("civil_affairs", "lead", "returned")],
}
TICKET_STEPS = {
    # endpoint: (table action, body)
    "close": ("close", {"note": "已办结"}),
    "reopen": ("reopen", {"reason": "办理不到位"}),
    "revisit": ("revisit", {"outcome": "satisfied"}),
    "cancel": ("cancel", {"reason": "重复报告"}),
}

ASSIGNMENT_STATES = {
    # label: (assignment status, status before return, ticket status)
    "pending": ("pending", None, "dispatched"),
    "accepted": ("accepted", None, "in_progress"),
    "return_requested_from_pending": ("return_requested", "pending", "dispatched"),
    "return_requested_from_accepted": ("return_requested", "accepted", "in_progress"),
    "returned": ("returned", None, "in_progress"),
    "completed": ("completed", None, "in_progress"),
}
ASSIGNMENT_STEPS = {
    # endpoint: (table action, who, body)
    "accept": ("accept", "liaison", None),
    "return": ("request_return", "liaison", {"reason": "不属于本单位职责"}),
    "return/approve": ("approve_return", "supervisor", {}),
    "return/reject": ("reject_return", "supervisor", {"reason": "属于本单位职责"}),
    "feedback:interim": ("feedback", "liaison", {"summary": "正在办理", "final": False}),
    "feedback:final": ("final_feedback", "liaison", {"summary": "已办结", "final": True}),
    "extensions": ("extend", "liaison", {"days": 2, "reason": "需要协调"}),
    "withdraw": ("withdraw", "supervisor", {"reason": "改由其他部门办理"}),
}


@pytest.fixture
def actors(client):
    return {"supervisor": staff(client, "supervisor")[1], "liaison": staff(client, "liaison", "civil_affairs")[1]}


def event_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent))


def assert_conflict(response, state):
    assert response.status_code == 409, response.json
    assert response.json["errors"]["status"] == [state]
    assert state in response.json["message"]


@pytest.mark.parametrize("state", list(TICKET_STATES))
@pytest.mark.parametrize("endpoint", list(TICKET_STEPS))
def test_ticket_steps(actors, state, endpoint):
    action, body = TICKET_STEPS[endpoint]
    ticket = make_ticket(TICKET_STATES[state], status=state)
    before = event_count()
    response = actors["supervisor"].post(f"/api/v1/tickets/{ticket.id}/{endpoint}", json=body)
    target = lifecycle.TICKET.get((state, action))
    db.session.expire_all()
    if target is None:
        assert_conflict(response, state)
        assert db.session.get(Ticket, ticket.id).status == state
        assert event_count() == before
    else:
        assert response.status_code == 200, response.json
        assert response.json["status"] == target
        assert db.session.get(Ticket, ticket.id).status == target


@pytest.mark.parametrize("label", list(ASSIGNMENT_STATES))
@pytest.mark.parametrize("endpoint", list(ASSIGNMENT_STEPS))
def test_assignment_steps(actors, label, endpoint):
    status, previous, ticket_status = ASSIGNMENT_STATES[label]
    action, who, body = ASSIGNMENT_STEPS[endpoint]
    ticket = make_ticket(
        [("civil_affairs", "lead", status), ("public_security", "assist", "accepted")], status=ticket_status
    )
    assignment = ticket.assignments[0]
    assignment.status_before_return = previous
    db.session.commit()
    before = event_count()
    path = endpoint.split(":")[0]
    response = actors[who].post(f"/api/v1/assignments/{assignment.id}/{path}", json=body)
    target = lifecycle.ASSIGNMENT.get((status, action))
    db.session.expire_all()
    row = db.session.get(Assignment, assignment.id)
    if target is None:
        if who == "liaison" and status in GONE_STATES:
            # A returned or withdrawn order is gone for its department (need-to-know): 404.
            assert response.status_code == 404, response.json
        else:
            assert_conflict(response, status)
        assert row.status == status
        assert event_count() == before
        return
    assert response.status_code in (200, 201), response.json
    if action == "extend":  # a request: the deadline moves only when a supervisor approves
        assert response.json["status"] == "pending" and row.status == status
        return
    expected = previous if target == lifecycle.PREVIOUS else target
    assert row.status == expected
    if path in ("accept", "return", "return/approve", "return/reject", "withdraw"):
        assert response.json["status"] == expected
    else:
        assert response.json["assignment_status"] == expected


@pytest.mark.parametrize("state", ["pending", "approved", "rejected"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_extension_steps(actors, state, decision):
    ticket = make_ticket([("civil_affairs", "lead", "accepted")])
    assignment = ticket.assignments[0]
    extension = Extension(assignment_id=assignment.id, days=2, reason="需要协调", status=state)
    db.session.add(extension)
    db.session.commit()
    due = assignment.feedback_due_at
    response = actors["supervisor"].post(f"/api/v1/extensions/{extension.id}/{decision}", json={})
    target = lifecycle.EXTENSION.get((state, decision))
    db.session.expire_all()
    if target is None:
        assert_conflict(response, state)
        assert db.session.get(Assignment, assignment.id).feedback_due_at == due
    else:
        assert response.status_code == 200 and response.json["status"] == target
        moved = db.session.get(Assignment, assignment.id).feedback_due_at
        assert (moved > due) if target == "approved" else (moved == due)


def test_extension_approval_refused_once_the_assignment_is_done(actors):
    ticket = make_ticket([("civil_affairs", "lead", "completed")], status="awaiting_verification")
    extension = Extension(assignment_id=ticket.assignments[0].id, days=2, reason="需要协调", status="pending")
    db.session.add(extension)
    db.session.commit()
    response = actors["supervisor"].post(f"/api/v1/extensions/{extension.id}/approve", json={})
    assert_conflict(response, "completed")
    db.session.expire_all()
    assert db.session.get(Extension, extension.id).status == "pending"  # nothing half-done


def test_extension_request_rules(actors):
    liaison = actors["liaison"]
    ticket = make_ticket([("civil_affairs", "lead", "accepted")])
    assignment = ticket.assignments[0]
    url = f"/api/v1/assignments/{assignment.id}/extensions"
    first = liaison.post(url, json={"days": 6, "reason": "需要协调"})
    assert first.status_code == 201
    # One request at a time.
    second = liaison.post(url, json={"days": 1, "reason": "再延"})
    assert second.status_code == 409 and second.json["errors"]["extension_id"] == [first.json["id"]]
    assert (
        actors["supervisor"].post(f"/api/v1/extensions/{first.json['id']}/approve", json={"days": 6}).status_code == 200
    )
    # At most 10 days in all.
    over = liaison.post(url, json={"days": 5, "reason": "还要延"})
    assert over.status_code == 422 and "days" in over.json["errors"]
    assert liaison.post(url, json={"days": 4, "reason": "最后一次"}).status_code == 201
    # After the deadline, no request.
    late = make_ticket([("civil_affairs", "lead", "accepted")], at=datetime.now(UTC) - timedelta(days=30))
    response = liaison.post(
        f"/api/v1/assignments/{late.assignments[0].id}/extensions", json={"days": 2, "reason": "晚了"}
    )
    assert response.status_code == 409 and "feedback_due_at" in response.json["errors"]


def test_partial_grant(actors):
    ticket = make_ticket([("civil_affairs", "lead", "accepted")], urgency="urgent")
    assignment = ticket.assignments[0]
    request = actors["liaison"].post(f"/api/v1/assignments/{assignment.id}/extensions", json={"days": 5, "reason": "x"})
    due = assignment.feedback_due_at
    too_many = actors["supervisor"].post(f"/api/v1/extensions/{request.json['id']}/approve", json={"days": 6})
    assert too_many.status_code == 422 and "days" in too_many.json["errors"]
    granted = actors["supervisor"].post(f"/api/v1/extensions/{request.json['id']}/approve", json={"days": 2})
    assert granted.status_code == 200 and granted.json["days"] == 2
    db.session.expire_all()
    moved = db.session.get(Assignment, assignment.id)
    # Days count on the urgency's feedback calendar (urgent: working days in reference.toml).
    assert moved.feedback_due_at == add_working_days(due, 2, "Asia/Shanghai") and moved.extended_days == 2
