"""Deadlines after an approved extension and after a reopen.

Expected values worked out by hand in Asia/Shanghai (UTC+8) with the 2026 PRC calendar:
National Day holiday Thu 1 – Wed 7 Oct, make-up working day Sat 10 Oct; Spring Festival
holiday Sun 15 – Mon 23 Feb, make-up working days Sat 14 and Sat 28 Feb; March has none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Extension, Message, TicketEvent
from hotline.settings import current_settings
from hotline.tickets.calendar import due_at
from hotline.tracking import services
from tests.factories import make_ticket, policy, staff

CST = timezone(timedelta(hours=8))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CST)


def approve(supervisor_api, urgency: str, due: datetime, days: int, **extra) -> Assignment:
    ticket = make_ticket([("civil_affairs", "lead", "accepted")], urgency=urgency)
    assignment = ticket.assignments[0]
    assignment.feedback_due_at = due
    for name, value in extra.items():
        setattr(assignment, name, value)
    extension = Extension(assignment_id=assignment.id, days=days, reason="需协调", status="pending")
    db.session.add(extension)
    db.session.commit()
    response = supervisor_api.post(f"/api/v1/extensions/{extension.id}/approve", json={})
    assert response.status_code == 200, response.json
    db.session.expire_all()
    return db.session.get(Assignment, assignment.id)


def test_normal_extension_counts_working_days_across_a_holiday_and_a_make_up_day(client):
    _, supervisor = staff(client, "supervisor")
    staff(client, "liaison", "civil_affairs", phone="+8613600000001")
    # Wed 30 Sep 10:00 + 3 working days: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (make-up Saturday).
    assignment = approve(supervisor, "normal", local(2026, 9, 30, 10, 0), 3, escalation_level=2)
    assert assignment.feedback_due_at == local(2026, 10, 10, 10, 0)
    assert assignment.extended_days == 3
    assert assignment.escalation_level == 0  # a new deadline starts its ladder again
    event = db.session.scalar(sa.select(TicketEvent).where(TicketEvent.action == "assignment.extend"))
    assert event.data["deadlines_before"]["feedback_due_at"] == local(2026, 9, 30, 10, 0).astimezone(UTC).isoformat()
    assert event.data["deadlines_after"]["feedback_due_at"] == local(2026, 10, 10, 10, 0).astimezone(UTC).isoformat()
    sms = db.session.scalar(sa.select(Message).where(Message.to == "+8613600000001"))
    assert "10月10日10:00" in sms.body and "3天" in sms.body


def test_normal_extension_skips_a_weekend(client):
    _, supervisor = staff(client, "supervisor")
    # Fri 13 Mar 15:30 + 2 working days: Mon 16, Tue 17 Mar.
    assert approve(supervisor, "normal", local(2026, 3, 13, 15, 30), 2).feedback_due_at == local(2026, 3, 17, 15, 30)


def test_extension_days_count_on_the_calendar_of_the_urgencys_feedback_deadline(client):
    """reference.toml says it: urgent's feedback runs on working days, emergency's on the clock."""
    _, supervisor = staff(client, "supervisor")
    # Wed 30 Sep 10:00 + 3 working days: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (make-up Saturday).
    assert approve(supervisor, "urgent", local(2026, 9, 30, 10, 0), 3).feedback_due_at == local(2026, 10, 10, 10, 0)
    assert approve(supervisor, "emergency", local(2026, 2, 14, 23, 0), 1).feedback_due_at == local(2026, 2, 15, 23, 0)


def test_request_then_approve_with_the_service_clock(app, make_user):
    liaison = make_user("lia", "liaison", bureau="civil_affairs")
    supervisor = make_user("sup", "supervisor")
    dispatched = local(2026, 3, 9, 9, 0)  # Monday
    ticket = make_ticket([("civil_affairs", "lead")], at=dispatched)
    assignment = ticket.assignments[0]
    services.accept_assignment(assignment.id, actor=liaison, now=local(2026, 3, 9, 10, 0), settings=current_settings())
    assert assignment.feedback_due_at == local(2026, 3, 16, 9, 0)  # 5 working days from dispatch
    extension = services.request_extension(
        assignment.id, 4, "需要调查", actor=liaison, now=local(2026, 3, 13, 17, 0), settings=current_settings()
    )
    services.approve_extension(
        extension.id, actor=supervisor, now=local(2026, 3, 16, 11, 0), settings=current_settings()
    )  # decided after the old due
    # Mon 16 Mar 09:00 + 4 working days: 17, 18, 19, 20 Mar.
    assert db.session.get(Assignment, assignment.id).feedback_due_at == local(2026, 3, 20, 9, 0)


def test_reopen_gives_new_deadlines_from_now(app, make_user):
    supervisor = make_user("sup", "supervisor")
    ticket = make_ticket(
        [
            ("civil_affairs", "lead", "completed"),
            ("street:jiangyuan", "assist", "completed"),
            ("public_security", "assist", "returned"),
        ],
        status="closed",
        at=local(2026, 1, 5, 9, 0),
    )
    lead, street, returned = ticket.assignments
    old_sign, returned_due = lead.sign_due_at, returned.feedback_due_at
    # Reopened Fri 13 Feb 10:00: 5 working days = 14 Feb (make-up), 24, 25, 26, 27 Feb.
    services.reopen_ticket(
        ticket.id, "复核发现未落实", actor=supervisor, now=local(2026, 2, 13, 10, 0), settings=current_settings()
    )
    db.session.expire_all()
    assert ticket.status == "in_progress" and ticket.closed_at is None
    for assignment in (lead, street):
        assert assignment.status == "accepted"
        assert assignment.feedback_due_at == local(2026, 2, 27, 10, 0)
        assert assignment.sign_due_at == old_sign  # already signed for
        assert assignment.final_feedback_at is None
    assert returned.status == "returned" and returned.feedback_due_at == returned_due
    events = db.session.scalars(sa.select(TicketEvent).where(TicketEvent.action == "assignment.reopen")).all()
    assert {e.data["deadlines_after"]["feedback_due_at"] for e in events} == {
        local(2026, 2, 27, 10, 0).astimezone(UTC).isoformat()
    }


def test_reopen_of_an_urgent_ticket_under_review(app, make_user):
    supervisor = make_user("sup", "supervisor")
    ticket = make_ticket([("civil_affairs", "lead", "completed")], urgency="urgent", status="awaiting_verification")
    now = local(2026, 9, 30, 16, 0)
    services.reopen_ticket(ticket.id, "反馈不完整", actor=supervisor, now=now, settings=current_settings())
    db.session.expire_all()
    # Urgent: feedback in 2 working days: Wed 30 Sep + 2 = 8 Oct, 9 Oct.
    assert ticket.assignments[0].feedback_due_at == local(2026, 10, 9, 16, 0)
    assert ticket.assignments[0].feedback_due_at == due_at(now, policy("urgent")["feedback"])


def test_unsatisfied_revisit_reopens_with_deadlines_from_the_revisit(client):
    _, operator = staff(client, "operator")
    ticket = make_ticket(
        [("civil_affairs", "lead", "completed")], status="closed", at=datetime.now(UTC) - timedelta(days=40)
    )
    before = datetime.now(UTC)
    response = operator.post(
        f"/api/v1/tickets/{ticket.id}/revisit", json={"outcome": "unsatisfied", "note": "没人来过"}
    )
    after = datetime.now(UTC)
    assert response.status_code == 200 and response.json["status"] == "in_progress"
    new_due = datetime.fromisoformat(response.json["assignments"][0]["feedback_due_at"])
    rule = policy("normal")["feedback"]
    assert due_at(before, rule) <= new_due <= due_at(after, rule)
