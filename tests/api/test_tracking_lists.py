"""GET /api/v1/tickets: filters, pagination and the liaison's work lists (pending, due soon, overdue)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.extensions import db
from tests.factories import make_ticket, staff


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.fixture
def world(client):
    """Tickets of the civil affairs bureau in every situation of its work lists."""
    now = datetime.now(UTC)
    t = {}
    # An emergency dispatched 5 minutes ago: to sign for within 30 minutes, so pending and due soon.
    t["pending_soon"] = make_ticket(
        [("civil_affairs", "lead")],
        urgency="emergency",
        at=now - timedelta(minutes=5),
        channel="sms",
        protection_types=("medical", "relief"),
    )
    # Dispatched 20 days ago, never signed: pending and overdue.
    t["pending_late"] = make_ticket([("civil_affairs", "lead")], at=now - timedelta(days=20), call_sid="CA123")
    # Signed, feedback due long ago: overdue.
    t["accepted_late"] = make_ticket([("civil_affairs", "lead", "accepted")], at=now - timedelta(days=30))
    # Signed, feedback due in a few hours: due soon (urgent feedback is due in 2 working days).
    soon = make_ticket([("civil_affairs", "lead", "accepted")], urgency="urgent", at=now - timedelta(days=1))
    soon.assignments[0].feedback_due_at = now + timedelta(hours=3)
    t["accepted_soon"] = soon
    # Signed, feedback due in a week: neither.
    later = make_ticket([("civil_affairs", "lead", "accepted")], at=now)
    later.assignments[0].feedback_due_at = now + timedelta(days=7)
    t["accepted_later"] = later
    # Asked to return it while pending, past the sign-for deadline: the clock keeps running.
    waiting = make_ticket([("civil_affairs", "lead", "return_requested")], at=now - timedelta(days=10))
    waiting.assignments[0].status_before_return = "pending"
    t["return_late"] = waiting
    # Done: in no work list.
    t["done"] = make_ticket(
        [("civil_affairs", "lead", "completed")], status="awaiting_verification", at=now - timedelta(days=30)
    )
    # Another department's overdue order on a shared ticket must not put it in civil affairs' overdue list.
    t["shared"] = make_ticket(
        [("civil_affairs", "lead", "accepted"), ("education", "assist", "pending")], at=now - timedelta(days=1)
    )
    t["shared"].assignments[0].feedback_due_at = now + timedelta(days=7)
    t["shared"].assignments[1].sign_due_at = now - timedelta(hours=1)
    # Another department only.
    t["theirs"] = make_ticket([("education", "lead")], at=now - timedelta(days=20))
    db.session.commit()
    return {name: ticket.id for name, ticket in t.items()}


def test_liaison_work_lists(client, world):
    _, liaison = staff(client, "liaison", "civil_affairs")
    assert ids(liaison.get("/api/v1/tickets?view=pending")) == [world["pending_late"], world["pending_soon"]]
    assert ids(liaison.get("/api/v1/tickets?view=overdue")) == [
        world["accepted_late"],
        world["pending_late"],
        world["return_late"],
    ]
    assert ids(liaison.get("/api/v1/tickets?view=due_soon")) == [world["pending_soon"], world["accepted_soon"]]
    assert ids(liaison.get("/api/v1/tickets?view=return_requested")) == [world["return_late"]]
    overdue = liaison.get("/api/v1/tickets?overdue=true")
    assert set(ids(overdue)) == {world["accepted_late"], world["pending_late"], world["return_late"]}
    assert overdue.json["total"] == 3
    assert world["shared"] not in ids(liaison.get("/api/v1/tickets?overdue=true&per_page=200"))
    not_overdue = set(ids(liaison.get("/api/v1/tickets?overdue=false")))
    assert not_overdue == {world[k] for k in ("pending_soon", "accepted_soon", "accepted_later", "done", "shared")}


def test_center_work_lists_cover_every_department(client, world):
    _, supervisor = staff(client, "supervisor")
    overdue = ids(supervisor.get("/api/v1/tickets?view=overdue"))
    assert world["shared"] in overdue and world["theirs"] in overdue
    assert set(ids(supervisor.get("/api/v1/tickets?overdue=true&bureau=education"))) == {
        world["shared"],
        world["theirs"],
    }


def test_filters_and_pages(client, world):
    _, operator = staff(client, "operator")
    everything = operator.get("/api/v1/tickets?per_page=200")
    assert everything.json["total"] == len(world)
    created = [item["created_at"] for item in everything.json["items"]]
    assert created == sorted(created, reverse=True)  # newest first
    assert ids(operator.get("/api/v1/tickets?status=awaiting_verification")) == [world["done"]]
    assert ids(operator.get("/api/v1/tickets?urgency=emergency")) == [world["pending_soon"]]
    assert ids(operator.get("/api/v1/tickets?channel=sms")) == [world["pending_soon"]]
    assert ids(operator.get("/api/v1/tickets?call_sid=CA123")) == [world["pending_late"]]
    assert ids(operator.get("/api/v1/tickets?protection_type=medical")) == [world["pending_soon"]]
    assert len(ids(operator.get("/api/v1/tickets?protection_type=relief&per_page=200"))) == len(world)
    assert set(ids(operator.get("/api/v1/tickets?bureau=education"))) == {world["shared"], world["theirs"]}
    pages = [operator.get(f"/api/v1/tickets?per_page=4&page={n}") for n in (1, 2, 3, 4)]
    assert [len(ids(p)) for p in pages] == [4, 4, 1, 0]
    assert all(p.json["total"] == len(world) for p in pages)
    assert sorted(sum((ids(p) for p in pages), [])) == sorted(world.values())
