"""POST /api/v1/tickets: validation, numbers and secrets, dispatch, deadlines and SMS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hotline.extensions import db
from hotline.intake.tickets import create_ticket, verify_secret
from hotline.models import Assignment, ReferenceCode, Ticket
from hotline.notify import templates
from hotline.settings import current_settings
from hotline.tickets.calendar import due_at
from tests.factories_dispatch import (
    ADDRESS,
    CHILD_NAME,
    REPORTER_PHONE,
    count,
    counts,
    events,
    messages,
    set_liaison_phones,
    ticket_body,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/tickets"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_operator_creates_a_ticket_dispatched_by_the_default_rules(login):
    operator = login("operator")
    response = operator.post(
        URL, json=ticket_body(protection_types=["relief", "education", "relief"], call_sid="CA123")
    )
    assert response.status_code == 201, response.json
    ticket = response.json
    assert ticket["status"] == "dispatched"
    assert ticket["channel"] == "phone" and ticket["call_sid"] == "CA123" and ticket["urgency"] == "normal"
    assert ticket["protection_types"] == ["relief", "education"]
    assert ticket["location"] == {"street": "jiangyuan", "address": ADDRESS}
    assert ticket["child"]["age"] == 9
    assert [(a["bureau"], a["role"], a["status"]) for a in ticket["assignments"]] == [
        ("civil_affairs", "lead", "pending"),
        ("street:jiangyuan", "assist", "pending"),
        ("education", "assist", "pending"),
    ]
    assert ticket["dispatch"]["rule"] == "default-relief"
    assert ticket["dispatch"]["rules_version"] == 1
    assert "default-relief" in ticket["dispatch"]["explanation"]
    assert "区民政局" in ticket["dispatch"]["explanation"]
    assert parse(ticket["created_at"]).utcoffset() is not None
    for assignment in ticket["assignments"]:
        assert parse(assignment["sign_due_at"]) > parse(ticket["created_at"])
        assert parse(assignment["feedback_due_at"]) > parse(assignment["sign_due_at"])

    row = db.session.get(Ticket, ticket["id"])
    assert row.rules_version == 1 and row.dispatch_rule == "default-relief"
    actions = [e.action for e in events(row.id)]
    assert actions[:2] == ["created", "dispatch"]
    assert actions.count("assignment.created") == 3
    assert events(row.id)[0].public_note == "我们已收到您的报告，正在安排相关部门处理。"


def test_number_tracking_code_and_secret(login):
    operator = login("operator")
    created = [operator.post(URL, json=ticket_body()).json for _ in range(5)]
    numbers = {t["number"] for t in created}
    codes = {t["tracking_code"] for t in created}
    assert len(numbers) == 5 and len(codes) == 5
    local_day = datetime.now(UTC).astimezone(SHANGHAI).strftime("%Y%m%d")
    for ticket in created:
        assert ticket["number"].startswith(local_day)
        assert len(ticket["tracking_code"]) == 10 and ticket["tracking_code"].isdigit()
        assert len(ticket["secret"]) == 6 and ticket["secret"].isdigit()
        row = db.session.get(Ticket, ticket["id"])
        assert ticket["secret"] not in row.secret_hash and len(row.secret_hash) == 64
        assert verify_secret(row, ticket["secret"], key=current_settings().secret_key)
        wrong = f"{(int(ticket['secret']) + 1) % 1_000_000:06d}"
        assert not verify_secret(row, wrong, key=current_settings().secret_key)
        assert not verify_secret(row, "", key=current_settings().secret_key)
    # Codes are random, not consecutive.
    ordered = sorted(int(c) for c in codes)
    assert any(b - a > 1000 for a, b in zip(ordered, ordered[1:], strict=False))


def test_each_assignment_texts_every_liaison_phone_without_personal_data(login, make_user):
    set_liaison_phones("civil_affairs", "+8613700000001")
    make_user("liaison_ca", "liaison", bureau="civil_affairs", phone="+8613700000002")
    make_user("liaison_ca_dup", "liaison", bureau="civil_affairs", phone="+8613700000001")  # listed once
    make_user("liaison_street", "liaison", bureau="street:jiangyuan", phone="+8613700000003")
    make_user("liaison_off", "liaison", bureau="education", phone="+8613700000004")
    db.session.execute(sa.text("UPDATE users SET active = :f WHERE username = 'liaison_off'"), {"f": False})
    db.session.commit()
    operator = login("operator")
    ticket = operator.post(URL, json=ticket_body(protection_types=["relief", "education"])).json

    sms = messages(ticket_id=ticket["id"], kind="dispatch")
    assert sorted(m.to for m in sms) == ["+8613700000001", "+8613700000002", "+8613700000003"]
    by_assignment = {m.assignment_id for m in sms}
    lead = next(a for a in ticket["assignments"] if a["role"] == "lead")
    assert lead["id"] in by_assignment
    local_due = templates.local_time(parse(lead["sign_due_at"]), "Asia/Shanghai")  # the one due-time style
    for message in sms:
        assert message.status in {"queued", "sent"}
        assert ticket["number"] in message.body
        assert "一般" in message.body  # the urgency's name
        assert f"https://hotline.example.org/tickets/{ticket['id']}" in message.body
        assert not message.emergency
        for secret in (CHILD_NAME, ADDRESS, REPORTER_PHONE, "王女士", ticket["tracking_code"]):
            assert secret not in message.body
    lead_sms = next(m for m in sms if m.to == "+8613700000002")
    assert local_due in lead_sms.body and "主办" in lead_sms.body

    supervisor = login("supervisor")
    listed = supervisor.get(f"/api/v1/messages?ticket_id={ticket['id']}").json["items"]
    assert {m["to"] for m in listed} == {"+8613700000001", "+8613700000002", "+8613700000003"}
    assert set(listed[0]) >= {"id", "to", "body", "status", "provider", "ticket_id", "kind", "created_at"}
    only = supervisor.get(f"/api/v1/messages?to={'+8613700000003'}").json["items"]  # "+" unencoded
    assert [m["to"] for m in only] == ["+8613700000003"]


def test_an_emergency_alerts_the_duty_phones(login, make_user):
    make_user("liaison_ps", "liaison", bureau="public_security", phone="+8613700000010")
    operator = login("operator")
    ticket = operator.post(URL, json=ticket_body(urgency="emergency", protection_types=["judicial"])).json
    alerts = messages(ticket_id=ticket["id"], kind="alert")
    assert [m.to for m in alerts] == ["+8613900000001"]  # HOTLINE_DUTY_PHONES in the test config
    assert alerts[0].emergency and ticket["number"] in alerts[0].body and CHILD_NAME not in alerts[0].body
    dispatch = messages(ticket_id=ticket["id"], kind="dispatch")
    assert [m.to for m in dispatch] == ["+8613700000010"] and dispatch[0].emergency


def test_an_emergency_that_stays_new_still_alerts(app):
    ticket, _ = create_ticket(
        {"description": "电话留言：有孩子被打，请快来。", "urgency": "emergency", "location": {"street": "zhengcha"}},
        channel="voicemail",
        actor=None,
        now=datetime.now(UTC),
        auto_dispatch=False,
        settings=current_settings(),
    )
    assert ticket.status == "new" and ticket.assignments == []
    assert [m.to for m in messages(ticket_id=ticket.id, kind="alert")] == ["+8613900000001"]


def test_without_auto_dispatch_the_ticket_stays_new_with_a_suggestion(app):
    now = datetime.now(UTC)
    suggested, secret = create_ticket(
        ticket_body(protection_types=["medical"]),
        channel="web",
        actor=None,
        now=now,
        auto_dispatch=False,
        settings=current_settings(),
    )
    assert suggested.status == "new" and suggested.assignments == []
    assert suggested.dispatch_suggestion["assignments"] == [
        {"bureau": "medical_insurance", "role": "lead"},
        {"bureau": "street:jiangyuan", "role": "assist"},
    ]
    assert suggested.dispatch_suggestion["rule"] == "default-medical"
    assert suggested.dispatch_suggestion["rules_version"] == 1
    assert verify_secret(suggested, secret, key=current_settings().secret_key)
    assert messages(ticket_id=suggested.id) == []
    bare, _ = create_ticket(
        {"description": "短信举报：孩子没人管。", "location": {"street": "jiangyuan"}},
        channel="sms",
        actor=None,
        now=now,
        auto_dispatch=False,
        external={"message_sid": "SM0001"},
        settings=current_settings(),
    )
    assert bare.status == "new" and bare.dispatch_suggestion is None and bare.message_sid == "SM0001"


def test_a_duplicate_twilio_sid_stores_nothing_and_reraises(app):
    now = datetime.now(UTC)
    first, _ = create_ticket(
        ticket_body(urgency="emergency"),
        channel="sms",
        actor=None,
        now=now,
        auto_dispatch=False,
        external={"message_sid": "SMdup"},
        settings=current_settings(),
    )
    before = counts()
    with pytest.raises(IntegrityError):
        create_ticket(
            ticket_body(urgency="emergency"),
            channel="sms",
            actor=None,
            now=now,
            auto_dispatch=False,
            external={"message_sid": "SMdup"},
            settings=current_settings(),
        )
    assert counts() == before
    assert db.session.scalar(sa.select(Ticket).filter_by(message_sid="SMdup")).id == first.id


# --- deadlines per urgency, through the API -----------------------------------------------------


def _policy(urgency: str) -> dict:
    return db.session.scalar(sa.select(ReferenceCode).filter_by(kind="urgency", code=urgency)).data


@pytest.mark.parametrize("urgency", ["emergency", "urgent", "normal"])
def test_deadlines_follow_the_urgency_policy(login, urgency):
    operator = login("operator")
    ticket = operator.post(URL, json=ticket_body(urgency=urgency)).json
    assignment = ticket["assignments"][0]
    dispatched = parse(assignment["dispatched_at"])
    sign, feedback = parse(assignment["sign_due_at"]), parse(assignment["feedback_due_at"])
    policy = _policy(urgency)
    assert sign == due_at(dispatched, policy["sign"], "Asia/Shanghai")
    assert feedback == due_at(dispatched, policy["feedback"], "Asia/Shanghai")
    if urgency == "emergency":
        assert (sign - dispatched, feedback - dispatched) == (timedelta(minutes=30), timedelta(hours=24))
    elif urgency == "urgent":
        assert sign - dispatched == timedelta(hours=2)
    for value, clock in ((sign, policy["sign"]), (feedback, policy["feedback"])):
        if clock["calendar"] == "working_days":
            assert chinese_calendar.is_workday(value.astimezone(SHANGHAI).date())
    # Every department of the ticket has the same deadlines, stored as given.
    assert {(a["sign_due_at"], a["feedback_due_at"]) for a in ticket["assignments"]} == {
        (assignment["sign_due_at"], assignment["feedback_due_at"])
    }


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# Received at (Shanghai time), urgency -> sign-for due, feedback due (Shanghai time).
HOLIDAY_CASES = [
    # Spring Festival 2026: Sat 14 Feb is a make-up working day, 15-23 Feb are holidays.
    ("2026-02-13T10:00", "normal", "2026-02-14T10:00", "2026-02-27T10:00"),
    ("2026-02-13T10:00", "urgent", "2026-02-13T12:00", "2026-02-24T10:00"),
    ("2026-02-16T09:00", "emergency", "2026-02-16T09:30", "2026-02-17T09:00"),
    # Received during the holiday: counted from 00:00 of the next working day (24 Feb).
    ("2026-02-18T15:00", "normal", "2026-02-25T00:00", "2026-03-02T00:00"),  # Sat 28 Feb is a make-up day
    # National Day 2025: Sun 28 Sep is a make-up working day, 1-8 Oct are holidays.
    ("2025-09-26T15:00", "normal", "2025-09-28T15:00", "2025-10-10T15:00"),
    ("2025-09-30T10:00", "urgent", "2025-09-30T12:00", "2025-10-10T10:00"),
    # An ordinary weekend.
    ("2026-03-13T16:30", "normal", "2026-03-16T16:30", "2026-03-20T16:30"),
]


@pytest.mark.parametrize("received, urgency, sign, feedback", HOLIDAY_CASES)
def test_deadlines_across_weekends_holidays_and_make_up_days(login, received, urgency, sign, feedback):
    now = _local(received).astimezone(UTC)
    ticket, _ = create_ticket(
        ticket_body(urgency=urgency), channel="phone", actor=None, now=now, settings=current_settings()
    )
    operator = login("operator")
    # Read back through the API: the manual re-dispatch answer carries the stored deadlines.
    body = operator.post(
        f"{URL}/{ticket.id}/dispatch",
        json={
            "assignments": [
                {"bureau": "civil_affairs", "role": "lead"},
                {"bureau": "street:jiangyuan", "role": "assist"},
            ],
        },
    ).json
    lead = body["assignments"][0]
    assert lead["bureau"] == "civil_affairs"
    assert parse(lead["dispatched_at"]) == now
    assert parse(lead["sign_due_at"]) == _local(sign)
    assert parse(lead["feedback_due_at"]) == _local(feedback)


# --- validation -----------------------------------------------------------------------------------


def _refused(operator, body) -> dict:
    before = counts()
    response = operator.post(URL, json=body)
    assert response.status_code == 422, response.json
    assert counts() == before
    assert set(response.json) >= {"code", "status", "message", "errors"}
    return response.json["errors"]


def test_unknown_codes_are_each_named(login):
    errors = _refused(
        login("operator"),
        ticket_body(
            protection_types=["relief", "sports"],
            subject_categories=["alien"],
            urgency="someday",
            location={"street": "atlantis"},
        ),
    )
    assert "sports" in errors["protection_types"][0]
    assert "alien" in errors["subject_categories"][0]
    assert "someday" in errors["urgency"][0]
    assert "atlantis" in errors["location"]["street"][0]


def test_codes_and_shapes_are_reported_together(login):
    errors = _refused(login("operator"), ticket_body(description="太短", urgency="someday"))
    assert set(errors) == {"description", "urgency"}


@pytest.mark.parametrize(
    "overrides, path",
    [
        ({"protection_types": []}, ("protection_types",)),
        ({"protection_types": None}, ("protection_types",)),
        ({"protection_types": "relief"}, ("protection_types",)),
        ({"protection_types": [None, "sports"]}, ("protection_types",)),  # item errors and a bad code
        ({"protection_types": ["relief", 5], "subject_categories": ["alien", None]}, ("subject_categories",)),
        ({"child": {"age": 18}}, ("child", "age")),
        ({"child": {"age": -1}}, ("child", "age")),
        ({"child": {"age": "nine"}}, ("child", "age")),
        ({"description": "123456789"}, ("description",)),
        ({"description": "x" * 5001}, ("description",)),
        ({"location": {"address": "somewhere"}}, ("location", "street")),
        ({"channel": "fax"}, ("channel",)),
        ({"urgency": None}, ("urgency",)),
        ({"reporter": {"phone": "1" * 40}}, ("reporter", "phone")),
        ({"colour": "red"}, ("colour",)),
        ({"child": {"name": "小明", "shoe_size": 30}}, ("child", "shoe_size")),
    ],
)
def test_bad_fields_are_named(login, overrides, path):
    errors = _refused(login("operator"), ticket_body(**overrides))
    node = errors
    for key in path:
        node = node[key]
    assert node


@pytest.mark.parametrize("missing", ["description", "location", "protection_types", "urgency", "channel"])
def test_required_fields(login, missing):
    body = ticket_body()
    del body[missing]
    assert missing in _refused(login("operator"), body)


def test_limits_are_inclusive(login):
    operator = login("operator")
    for body in (
        ticket_body(description="1234567890", child={"age": 0}),
        ticket_body(description="x" * 5000, child={"age": 17}),
    ):
        assert operator.post(URL, json=body).status_code == 201


def test_not_json_is_a_clean_error(login):
    response = login("operator").post(URL, data="nonsense", headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.json["code"] == response.status_code


@pytest.mark.parametrize("role", ["supervisor", "admin", "liaison"])
def test_only_operators_create_tickets(login, role):
    api = login(role, bureau="civil_affairs" if role == "liaison" else None)
    response = api.post(URL, json=ticket_body())
    assert response.status_code == 403
    assert count(Ticket) == 0 and count(Assignment) == 0


def test_creating_needs_a_token(client):
    assert client.post(URL, json=ticket_body()).status_code == 401
