"""Who each notice reaches: the late department always, then the rung's audience, then the
center's contacts, then supervisors with a phone; what reaches nobody is said, never hidden.

Times as in test_chaser: a judicial ticket dispatched Mon 9 March 2026 14:00 to public_security;
level 3 falls due Fri 13 March 14:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from hotline.escalation.chaser import chase_overdue
from hotline.escalation.overdue import overdue_queue
from hotline.extensions import db
from hotline.models import Message, TicketEvent
from hotline.notify.contacts import set_department_contacts
from hotline.settings import current_settings
from hotline.setup.checks import setup_warnings
from tests.factories_chaser import chase_messages, local, make_ticket

DISPATCHED = local("2026-03-09 14:00")
LEVEL3 = local("2026-03-13 14:00")
LIAISON = "+8613800000201"
SUPERVISOR = "+8613800000203"
CENTER_DESK = "+8613800000205"


def _events(action: str) -> list[TicketEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(TicketEvent).filter_by(action=action).order_by(TicketEvent.id)))


def _dispatch_messages() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Message).filter_by(kind="dispatch").order_by(Message.id)))


def test_level3_on_a_fresh_install_reaches_the_department_and_a_supervisor(app, make_user):
    make_user("ps-liaison", "liaison", bureau="public_security", phone=LIAISON)
    make_user("sup", "supervisor", phone=SUPERVISOR)
    ident = make_ticket(DISPATCHED).assignments[0].id
    result = chase_overdue(LEVEL3, tz=current_settings().timezone)  # every rung is due at once: only the highest fires
    assert dict(result.fired) == {3: 1} and result.unreachable == 0
    assert {m.to for m in chase_messages(ident)} == {LIAISON, SUPERVISOR}
    event = _events("escalation.level3")[-1]
    assert event.data["reached"] == ["liaisons", "supervisors"]
    assert event.data["fallback"] == "supervisors" and event.data["recipients"] == 2
    [item] = overdue_queue(LEVEL3)["items"]
    assert item["escalation_level"] == 3
    assert item["escalation_reached"] == ["liaisons", "supervisors"] and item["escalation_recipients"] == 2


def test_the_centers_contacts_come_before_supervisors(app, make_user):
    make_user("sup", "supervisor", phone=SUPERVISOR)
    set_department_contacts("protection_center", liaison_phones=[CENTER_DESK])
    ident = make_ticket(DISPATCHED).assignments[0].id
    chase_overdue(LEVEL3, tz=current_settings().timezone)
    assert {m.to for m in chase_messages(ident)} == {CENTER_DESK}
    assert _events("escalation.level3")[-1].data["reached"] == ["center_office"]


def test_nobody_reached_is_recorded_and_shown_not_hidden(app):
    ident = make_ticket(DISPATCHED).assignments[0].id
    result = chase_overdue(LEVEL3, tz=current_settings().timezone)
    assert dict(result.fired) == {3: 1} and result.unreachable == 1
    assert chase_messages(ident) == []
    event = _events("escalation.level3")[-1]
    assert event.data["recipients"] == 0 and event.data["reached"] == []
    [item] = overdue_queue(LEVEL3)["items"]
    assert item["escalation_recipients"] == 0
    codes = {w["code"] for w in setup_warnings(datetime.now(UTC), settings=current_settings())}
    assert "escalation_rung_reaches_nobody" in codes


def test_dispatch_to_a_department_without_liaison_phone_alerts_the_center(app, make_user):
    make_user("sup", "supervisor", phone=SUPERVISOR)
    ticket = make_ticket(DISPATCHED)
    [message] = _dispatch_messages()
    assert message.to == SUPERVISOR
    assert "无联络员手机号" in message.body and "公安" in message.body
    event = _events("assignment.created")[-1]
    assert event.data["reached"] == ["supervisors"] and event.data["fallback"] == "supervisors"
    assert event.ticket_id == ticket.id


def test_dispatch_with_a_liaison_phone_goes_to_the_department_only(app, make_user):
    make_user("sup", "supervisor", phone=SUPERVISOR)
    make_user("ps-liaison", "liaison", bureau="public_security", phone=LIAISON)
    make_ticket(DISPATCHED)
    assert [m.to for m in _dispatch_messages()] == [LIAISON]
    assert _events("assignment.created")[-1].data["reached"] == ["liaisons"]


def test_dispatch_reaching_nobody_says_so(app):
    make_ticket(DISPATCHED)
    assert _dispatch_messages() == []
    assert _events("assignment.created")[-1].data["recipients"] == 0
