"""One ticket reads the same in every SMS, and a reopen keeps the deadlines dispatch applied.

A ticket of urgency ``urgent`` is dispatched by a rule that sets its own deadlines for that
urgency, chased, signed for, extended, answered, closed and reopened, with the services
called directly. Every SMS about it (dispatch, chaser, notices) carries the same number, the
same urgency name and due times in the one style (``templates.ticket_fields``), and the
reopen's new deadlines come from the rule's policy, not from the reference defaults of the urgency.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.dispatch.services import replace_rules
from hotline.escalation.chaser import chase_overdue
from hotline.extensions import db
from hotline.intake.tickets import create_ticket
from hotline.models import Message, Ticket
from hotline.notify import templates
from hotline.notify.contacts import set_department_contacts
from hotline.reference.services import current_reference
from hotline.settings import current_settings
from hotline.tickets.calendar import due_at
from hotline.tracking.services import (
    accept_assignment,
    add_feedback,
    approve_extension,
    close_ticket,
    reopen_ticket,
    request_extension,
)
from tests.factories_dispatch import ticket_body

TZ = "Asia/Shanghai"
RULE_POLICY = {
    "sign": {"unit": "hours", "amount": 4, "calendar": "clock"},
    "feedback": {"unit": "days", "amount": 3, "calendar": "clock"},
}
DUE_STYLE = re.compile(r"\d{1,2}月\d{1,2}日\d{2}:\d{2}")


def test_one_ticket_reads_the_same_in_every_sms_and_a_reopen_keeps_the_rules_deadlines(app, make_user):
    operator = make_user("op", "operator")
    liaison = make_user("li", "liaison", bureau="civil_affairs", phone="+8613800000001")
    supervisor = make_user("sup", "supervisor", phone="+8613800000009")
    set_department_contacts("civil_affairs", head_phones=["+8613800000002"], liaison_phones=["+8613800000001"])
    start = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
    replace_rules(
        [
            {
                "name": "relief-urgent",
                "when": {"protection_types": ["relief"]},
                "then": {"lead": "civil_affairs", "deadlines": {"urgent": RULE_POLICY}},
            }
        ],
        actor=None,
        now=start,
    )

    ticket, _ = create_ticket(
        ticket_body(urgency="urgent"), channel="phone", actor=operator, now=start, settings=current_settings()
    )
    assignment = ticket.assignments[0]
    assert assignment.sign_due_at == start + timedelta(hours=4)
    assert assignment.feedback_due_at == start + timedelta(days=3)

    chase_overdue(
        start + timedelta(hours=5), tz=current_settings().timezone
    )  # the sign-for is late: the ladder's first escalation
    accept_assignment(assignment.id, actor=liaison, now=start + timedelta(hours=6), settings=current_settings())
    extension = request_extension(
        assignment.id, 2, "需协调民政低保", actor=liaison, now=start + timedelta(hours=7), settings=current_settings()
    )
    approve_extension(extension.id, actor=supervisor, now=start + timedelta(hours=8), settings=current_settings())
    add_feedback(
        assignment.id,
        "已上门核实并落实救助",
        True,
        actor=liaison,
        now=start + timedelta(hours=9),
        settings=current_settings(),
    )
    close_ticket(ticket.id, "办结", actor=supervisor, now=start + timedelta(hours=10), settings=current_settings())
    reopened_at = start + timedelta(days=1)
    reopen_ticket(ticket.id, "回访发现问题仍在", actor=supervisor, now=reopened_at, settings=current_settings())

    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assignment = ticket.assignments[0]
    # The reopen gives deadlines by the policy the rule applied (3 clock days), not the
    # reference default of ``urgent`` (2 working days).
    assert assignment.feedback_due_at == due_at(reopened_at, RULE_POLICY["feedback"], TZ)
    reference_default = due_at(reopened_at, current_reference().deadline_urgency("urgent").feedback, TZ)
    assert assignment.feedback_due_at != reference_default

    bodies = list(db.session.scalars(sa.select(Message.body).filter_by(ticket_id=ticket.id).order_by(Message.id)))
    kinds = list(db.session.scalars(sa.select(Message.kind).filter_by(ticket_id=ticket.id).order_by(Message.id)))
    assert {"dispatch", "escalation", "notice"} <= set(kinds), kinds
    name = current_reference().urgency_name("urgent")
    assert name == "较急"
    for body in bodies:
        assert ticket.number in body, body
        assert f"（{name}" in body, body
        assert not re.search(r"\d{4}-\d{2}-\d{2}", body), body
        for written in re.findall(r"\d+月\d+日\d{2}:\d{2}", body):
            assert DUE_STYLE.fullmatch(written) and not written.startswith("0"), body
    # The due times are the deadlines themselves, written one way everywhere.
    first_sign_due, reopened_due = start + timedelta(hours=4), assignment.feedback_due_at
    dispatch_sms = bodies[kinds.index("dispatch")]
    assert templates.local_time(first_sign_due, TZ) in dispatch_sms
    assert templates.local_time(first_sign_due, TZ) in bodies[kinds.index("escalation")]
    assert templates.local_time(reopened_due, TZ) in bodies[-1] and "重新交办" in bodies[-1]
    extended = start + timedelta(days=3) + timedelta(days=2)  # urgent's feedback counts clock days
    assert any(templates.local_time(extended, TZ) in body and "延期" in body for body in bodies)


def test_an_undecided_urgency_is_named_the_same_by_every_formatter(app):
    reference = current_reference()
    undecided = Ticket(number="20260309-000001", urgency=None)
    fields = templates.ticket_fields(undecided, reference, TZ, due=datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
    assert fields == {"number": "20260309-000001", "urgency": "未定", "due": "3月9日10:00"}


def test_an_emergency_reads_the_same_in_the_duty_alert_and_the_dispatch_sms(app, make_user):
    operator = make_user("op", "operator")
    set_department_contacts("civil_affairs", liaison_phones=["+8613800000001"])
    start = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    ticket, _ = create_ticket(
        ticket_body(urgency="emergency"), channel="phone", actor=operator, now=start, settings=current_settings()
    )
    rows = list(db.session.scalars(sa.select(Message).filter_by(ticket_id=ticket.id).order_by(Message.id)))
    assert {row.kind for row in rows} >= {"alert", "dispatch"}
    for row in rows:
        assert f"{ticket.number}（紧急" in row.body and row.emergency, row.body
