"""Late visits chased by the assignments' ladder, against a real database.

A high-risk file opened Monday 2 March 2026 10:00 (Asia/Shanghai) must be visited within 7
days: by Monday 9 March 10:00. Its ladder (the shipped one): reminder at 75% of the window
(Sat 7 Mar 16:00), level 1 at the deadline, level 2 one working day later (Tue 10 Mar 10:00),
level 3 three working days later (Thu 12 Mar 10:00).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hotline.children import services
from hotline.children.models import ChildEvent, ChildFile, VisitEscalationStep
from hotline.escalation.chaser import chase_overdue
from hotline.escalation.overdue import overdue_queue
from hotline.extensions import db
from hotline.models import Message
from hotline.notify.contacts import set_department_contacts
from hotline.settings import current_settings
from tests.factories_chaser import HEAD, LEADING_GROUP, LIAISON, SUPERVISOR, local

OPENED = local("2026-03-02 10:00")
REMINDER, DUE = local("2026-03-07 16:00"), local("2026-03-09 10:00")
LEVEL2, LEVEL3 = local("2026-03-10 10:00"), local("2026-03-12 10:00")
MINUTE = timedelta(minutes=1)
NAME, ADDRESS = "钱小宝", "正岔街道和平里3号"


@pytest.fixture
def child(app, make_user):
    set_department_contacts("street:jiangyuan", head_phones=[HEAD], liaison_phones=[LIAISON])
    set_department_contacts("leading_group_office", head_phones=[LEADING_GROUP])
    make_user("sup", "supervisor", phone=SUPERVISOR)
    operator = make_user("op", "operator")
    data = {
        "name": NAME,
        "street": "jiangyuan",
        "address": ADDRESS,
        "situations": ["left_behind"],
        "risk": "high",
        "guardians": [],
    }
    return services.create_file(data, actor=operator, now=OPENED, settings=current_settings()).id


def chase_sms() -> list[Message]:
    return list(db.session.scalars(sa.select(Message).order_by(Message.id)))


def test_the_file_is_first_looked_at_when_its_reminder_falls_due(child):
    row = db.session.get(ChildFile, child)
    assert row.next_visit_due_at == DUE
    assert row.next_escalation_at == REMINDER


def test_each_rung_fires_once_to_the_street_office_then_up_the_ladder(child):
    assert chase_overdue(REMINDER - MINUTE, tz=current_settings().timezone).visits.messages == 0
    result = chase_overdue(REMINDER + MINUTE, tz=current_settings().timezone)
    assert result.visits.fired[0] == 1
    sms = chase_sms()
    assert [(m.to, m.kind) for m in sms] == [(LIAISON, "reminder")]
    assert "ZX2026-" in sms[0].body and NAME not in sms[0].body and ADDRESS not in sms[0].body
    assert chase_overdue(REMINDER + 2 * MINUTE, tz=current_settings().timezone).visits.messages == 0  # once per level

    chase_overdue(DUE + MINUTE, tz=current_settings().timezone)
    level1 = chase_sms()[1:]
    assert {(m.to, m.kind) for m in level1} == {(LIAISON, "escalation"), (HEAD, "escalation")}
    assert overdue_queue(DUE + MINUTE)["items"][0]["escalation_level"] == 1
    chase_overdue(LEVEL2 + MINUTE, tz=current_settings().timezone)
    chase_overdue(LEVEL3 + MINUTE, tz=current_settings().timezone)
    chase_overdue(LEVEL3 + 2 * MINUTE, tz=current_settings().timezone)
    tos = [m.to for m in chase_sms()]
    assert tos.count(SUPERVISOR) == 1 and tos.count(LEADING_GROUP) == 1 and tos.count(LIAISON) == 2
    assert all(NAME not in m.body and ADDRESS not in m.body for m in chase_sms())
    levels = db.session.scalars(sa.select(VisitEscalationStep.level).order_by(VisitEscalationStep.level)).all()
    assert levels == [0, 1, 2, 3]
    assert db.session.get(ChildFile, child).next_escalation_at is None
    actions = db.session.scalars(sa.select(ChildEvent.action).where(ChildEvent.child_id == child)).all()
    assert "visit.escalation.level3" in actions


def test_a_rung_in_quiet_hours_waits_for_the_morning(child):
    chase_overdue(local("2026-03-09 23:30"), tz=current_settings().timezone)  # level 1 is due; the reminder is skipped
    sms = chase_sms()
    assert sms and all(m.not_before == local("2026-03-10 07:00") for m in sms)
    assert all(m.kind == "escalation" for m in sms)


def test_a_visit_starts_a_new_deadline_and_the_old_one_stops(child, make_user):
    chase_overdue(DUE + MINUTE, tz=current_settings().timezone)
    liaison = make_user("li", "liaison", bureau="street:jiangyuan")
    visited = DUE + timedelta(hours=2)
    services.record_visit(
        child,
        {"visited_at": visited, "kind": "home", "findings": "在家", "services": []},
        actor=liaison,
        now=visited,
        settings=current_settings(),
    )
    row = db.session.get(ChildFile, child)
    assert row.next_visit_due_at == visited + timedelta(days=7)
    assert row.escalation_level == 0
    before = len(chase_sms())
    chase_overdue(LEVEL2 + MINUTE, tz=current_settings().timezone)  # the old deadline's level 2 never fires
    assert len(chase_sms()) == before
    assert overdue_queue(LEVEL2 + MINUTE)["items"] == []


def test_a_closed_file_is_not_chased(child, make_user):
    operator = make_user("op2", "operator")
    services.close_file(child, "迁出", actor=operator, now=OPENED + timedelta(days=1), settings=current_settings())
    chase_overdue(LEVEL3 + MINUTE, tz=current_settings().timezone)
    assert chase_sms() == []


def test_the_cli_pass_chases_visits_too(child, flask_cli):
    db.session.commit()
    run = flask_cli("hotline", "chase-overdue", "--at", (DUE + MINUTE).isoformat())
    assert run.returncode == 0, run.stderr
    assert "visits: 1 files looked at" in run.stdout
    db.session.expire_all()
    assert {m.to for m in chase_sms()} == {LIAISON, HEAD}
