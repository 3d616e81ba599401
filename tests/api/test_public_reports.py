"""Public reports, the reporter's look-up, rate and size limits, and completing a `new` ticket."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Message, Ticket, TicketEvent, TicketLink
from hotline.settings import current_settings
from tests.twilio_signing import TWILIO_CONFIG, TwilioPoster, sid

REPORTS = "/api/v1/reports"
CHILD, ADDRESS, REPORTER, REPORTER_PHONE = "张小花", "江源街道幸福路12号", "李大姐", "+8613712345678"
REPORT = {
    "description": "邻居家的女孩经常被大人打骂，昨晚又听到哭喊声。",
    "location": {"street": "jiangyuan", "address": ADDRESS},
    "child": {"name": CHILD, "age": 8, "gender": "female"},
    "protection_types": ["judicial"],
    "subject_categories": ["poor_family"],
    "reporter": {"name": REPORTER, "phone": REPORTER_PHONE},
}


@pytest.fixture
def app_config():
    return {"HOTLINE_PUBLIC_RATE_LIMIT": "1000 per minute"}


def report(**changes) -> dict:
    body = json.loads(json.dumps(REPORT))
    body.update(changes)
    return body


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def submit(client, body=None):
    response = client.post(REPORTS, json=body if body is not None else report())
    assert response.status_code == 201, response.json
    return response.json


def look_up(client, code, secret):
    return client.get(f"{REPORTS}/{code}", headers={"X-Report-Secret": secret} if secret is not None else {})


# --- submitting ---------------------------------------------------------------------------------


def test_a_public_report_is_a_new_web_ticket_with_the_rules_suggestion(client):
    answer = submit(client)
    assert set(answer) == {"tracking_code", "secret", "status"}
    assert len(answer["tracking_code"]) == 10 and answer["tracking_code"].isdigit()
    assert len(answer["secret"]) == 6 and answer["secret"].isdigit()
    assert answer["status"] == "new"
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.channel == "web" and ticket.status == "new" and ticket.assignments == []
    assert ticket.child_name == CHILD and ticket.address == ADDRESS and ticket.reporter_phone == REPORTER_PHONE
    assert ticket.dispatch_suggestion["assignments"][0] == {"bureau": "public_security", "role": "lead"}
    assert answer["secret"] not in ticket.secret_hash
    assert count(Message) == 0  # nothing is dispatched, so no department is told yet


def test_the_smallest_report_and_an_anonymous_one(client):
    submit(client, {"description": "有个孩子需要帮助，请尽快联系。", "location": {"street": "zhengcha"}})
    submit(client, report(reporter={"name": REPORTER, "phone": REPORTER_PHONE, "anonymous": True}))
    first, anonymous = db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()
    assert first.dispatch_suggestion is None  # no protection type: the rules route nothing, an operator decides
    assert anonymous.reporter_anonymous and anonymous.reporter_name is None and anonymous.reporter_phone is None


def test_an_emergency_report_alerts_the_duty_phones_at_once(client):
    submit(client, report(urgency="emergency"))
    (alert,) = db.session.scalars(sa.select(Message)).all()
    assert alert.kind == "alert" and alert.to == "+8613900000001" and alert.emergency
    assert CHILD not in alert.body and ADDRESS not in alert.body and REPORTER_PHONE not in alert.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in REPORT.items() if k != "description"}, ("description",)),
        (report(description="太短"), ("description",)),
        (report(description="长" * 5001), ("description",)),
        ({k: v for k, v in REPORT.items() if k != "location"}, ("location",)),
        (report(location={"address": "x"}), ("location", "street")),
        (report(location={"street": "atlantis"}), ("location", "street")),
        (report(child={"age": 18}), ("child", "age")),
        (report(child={"age": -1}), ("child", "age")),
        (report(protection_types=["magic"]), ("protection_types",)),
        (report(subject_categories=["alien"]), ("subject_categories",)),
        (report(urgency="whenever"), ("urgency",)),
        (report(reporter={"anonymous": "perhaps"}), ("reporter", "anonymous")),
        (report(channel="phone"), ("channel",)),
        (report(call_sid="CA123"), ("call_sid",)),
        (report(status="closed"), ("status",)),
    ],
)
def test_invalid_reports_name_the_field_and_store_nothing(client, body, field):
    response = client.post(REPORTS, json=body)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    for key in field:
        assert key in errors, (field, errors)
        errors = errors[key]
    assert count(Ticket) == 0 and count(TicketEvent) == 0


@pytest.mark.parametrize("raw", ["", "{", "[]", '"text"', "42", "null", '{"description": null}'])
def test_malformed_bodies_are_422_not_500(client, raw):
    response = client.post(REPORTS, data=raw, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.is_json and response.json["code"] == response.status_code
    assert count(Ticket) == 0


# --- the reporter's look-up --------------------------------------------------------------------------


def test_the_reporter_looks_up_the_status_with_code_and_secret(client):
    answer = submit(client)
    response = look_up(client, answer["tracking_code"], answer["secret"])
    assert response.status_code == 200
    body = response.json
    assert body["tracking_code"] == answer["tracking_code"] and body["status"] == "new"
    (update,) = body["updates"]
    assert update["status"] == "new" and update["note"]
    assert datetime.fromisoformat(update["at"]).utcoffset() is not None


def test_unknown_code_wrong_secret_and_missing_secret_are_the_same_404(client):
    answer = submit(client)
    code = answer["tracking_code"]
    other = str(int(code[:-1] + "0") + (1 if code[-1] == "0" else 0)).rjust(10, "0")
    wrong = "000000" if answer["secret"] != "000000" else "111111"
    answers = [
        look_up(client, other, answer["secret"]),
        look_up(client, code, wrong),
        look_up(client, code, None),
        look_up(client, code, ""),
        look_up(client, "12345", answer["secret"]),
        look_up(client, code + "0", answer["secret"]),
        look_up(client, code, answer["secret"] + "0"),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.get_data() for r in answers}) == 1
    assert (
        len({tuple(sorted((k, v) for k, v in r.headers.items() if not k.startswith("X-RateLimit"))) for r in answers})
        == 1
    )


def test_the_look_up_leaks_no_names_addresses_or_contacts(client, login, make_user):
    from tests.factories_dispatch import set_liaison_phones

    answer = submit(client)
    ticket_id = db.session.scalar(sa.select(Ticket.id))
    set_liaison_phones("public_security", "+8613600000001")
    make_user("王警官", "liaison", bureau="public_security", phone="+8613600000002")
    operator = login("operator", username="操作员赵")
    assert operator.post(f"/api/v1/tickets/{ticket_id}/dispatch", json={}).status_code == 200
    liaison_token = client.post("/api/v1/auth/tokens", json={"username": "王警官", "password": "secret-pw-long"}).json[
        "token"
    ]
    (assignment,) = db.session.get(Ticket, ticket_id).assignments
    accepted = client.post(
        f"/api/v1/assignments/{assignment.id}/accept", headers={"Authorization": f"Bearer {liaison_token}"}
    )
    assert accepted.status_code == 200, accepted.json
    body = look_up(client, answer["tracking_code"], answer["secret"])
    assert [u["status"] for u in body.json["updates"]] == ["new", "dispatched", "in_progress"]
    text = body.get_data(as_text=True)
    for secret_thing in (
        CHILD,
        "张",
        ADDRESS,
        "幸福路",
        REPORTER,
        REPORTER_PHONE,
        "13712345678",
        "王警官",
        "操作员赵",
        "+8613600000001",
        answer["secret"],
        "public_security",
        "description",
    ):
        assert secret_thing not in text, secret_thing
    # No internal id either: only these keys, at the top and in each update.
    assert set(body.json) == {"tracking_code", "status", "status_label", "updates"}
    assert all(set(update) == {"at", "status", "note"} for update in body.json["updates"])


# --- limits ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"HOTLINE_PUBLIC_RATE_LIMIT": "3 per minute"}])
def test_submissions_are_rate_limited_per_client_in_redis(app, client, base_config):
    for _ in range(3):
        assert client.post(REPORTS, json=report()).status_code == 201
    limited = client.post(REPORTS, json=report())
    assert limited.status_code == 429 and limited.json["code"] == 429
    assert count(Ticket) == 3
    # Another web process (another app on the same Redis) sees the same count for this client.
    from hotline import create_app

    other = create_app({**base_config, "HOTLINE_PUBLIC_RATE_LIMIT": "3 per minute"})
    assert other.test_client().post(REPORTS, json=report()).status_code == 429
    # Another client still may.
    assert client.post(REPORTS, json=report(), environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 201


@pytest.mark.parametrize("app_config", [{"HOTLINE_PUBLIC_RATE_LIMIT": "3 per minute"}])
def test_look_ups_are_rate_limited_too(client):
    answer = submit(client)
    wrong = "000000" if answer["secret"] != "000000" else "111111"
    # One budget for reports and look-ups together: the report spent the first of three.
    assert [look_up(client, answer["tracking_code"], wrong).status_code for _ in range(2)] == [404] * 2
    # Guessing stops here, even with the right secret.
    limited = look_up(client, answer["tracking_code"], answer["secret"])
    assert limited.status_code == 429 and limited.is_json


@pytest.mark.parametrize("app_config", [{"HOTLINE_MAX_BODY_BYTES": 4096, **TWILIO_CONFIG}])
def test_bodies_over_the_size_limit_are_a_json_413_and_store_nothing(client):
    big = report(description="很" * 3000)
    response = client.post(REPORTS, data=json.dumps(big), content_type="application/json")
    assert response.status_code == 413 and response.json["code"] == 413
    twilio = TwilioPoster(client)
    response = twilio.sms(sid("SM"), "很" * 3000)
    assert response.status_code == 413 and response.is_json
    assert count(Ticket) == 0


# --- an operator completes a `new` ticket --------------------------------------------------------------


def _new_ticket(client) -> int:
    submit(client, {"description": "有个孩子需要帮助，请尽快联系。", "location": {"street": "zhengcha"}})
    return db.session.scalar(sa.select(Ticket.id).order_by(Ticket.id.desc()))


def test_an_operator_completes_then_dispatches_a_public_report(client, login):
    ticket_id = _new_ticket(client)
    operator = login("operator")
    response = operator.patch(f"/api/v1/tickets/{ticket_id}", json={"protection_types": ["education"]})
    assert response.status_code == 200, response.json
    assert response.json["protection_types"] == ["education"] and response.json["status"] == "new"
    assert response.json["suggestion"]["assignments"][0] == {"bureau": "education", "role": "lead"}
    response = operator.patch(
        f"/api/v1/tickets/{ticket_id}",
        json={
            "urgency": "urgent",
            "child": {"name": "小李", "age": 12},
            "subject_categories": ["dropout"],
            "location": {"address": "正岔街道某小区"},
            "version": response.json["version"],
        },
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["urgency"] == "urgent" and body["child"]["age"] == 12
    assert body["location"] == {"street": "zhengcha", "address": "正岔街道某小区"}
    actions = [
        e.action
        for e in db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket_id).order_by(TicketEvent.id))
    ]
    assert actions == ["created", "edited", "completed"]
    dispatched = operator.post(f"/api/v1/tickets/{ticket_id}/dispatch", json={})
    assert dispatched.status_code == 200 and dispatched.json["status"] == "dispatched"
    # Only a `new` ticket is completed this way.
    late = operator.patch(f"/api/v1/tickets/{ticket_id}", json={"urgency": "normal"})
    assert late.status_code == 409


def test_completing_checks_roles_codes_versions_and_emptiness(client, login):
    ticket_id = _new_ticket(client)
    supervisor, liaison, admin = login("supervisor"), login("liaison", bureau="education"), login("admin")
    url = f"/api/v1/tickets/{ticket_id}"
    assert client.patch(url, json={"urgency": "normal"}).status_code == 401
    assert liaison.patch(url, json={"urgency": "normal"}).status_code == 403
    assert admin.patch(url, json={"urgency": "normal"}).status_code == 403
    bad = supervisor.patch(url, json={"protection_types": ["magic"], "urgency": "soon", "location": {"street": "x"}})
    assert bad.status_code == 422 and {"protection_types", "urgency", "location"} <= set(bad.json["errors"])
    assert supervisor.patch(url, json={}).status_code == 422
    assert supervisor.patch(url, json={"protection_types": []}).status_code == 422
    assert supervisor.patch(url, json={"version": 99, "urgency": "normal"}).status_code == 409
    assert supervisor.patch("/api/v1/tickets/999999", json={"urgency": "normal"}).status_code == 404
    assert supervisor.patch(url, json={"urgency": "normal"}).status_code == 200


def test_completing_a_voicemail_links_the_repeat_it_reveals(client, login):
    submit(client)  # names the child, with age and street
    ticket_id = _new_ticket(client)
    operator = login("operator")
    response = operator.patch(
        f"/api/v1/tickets/{ticket_id}",
        json={"child": {"name": CHILD, "age": 9}, "location": {"street": "jiangyuan"}},
    )
    assert response.status_code == 200
    assert response.json["repeat_flag"] is True
    assert [r["reason"] for r in response.json["related"]] == ["child"]


# --- repeat reports ------------------------------------------------------------------------------------


def _links() -> list[tuple[int, int, str]]:
    db.session.expire_all()
    return [
        (link.ticket_id, link.related_ticket_id, link.reason)
        for link in db.session.scalars(sa.select(TicketLink).order_by(TicketLink.id))
    ]


def test_repeat_reports_are_linked_never_merged(client):
    submit(client)
    submit(client, report(reporter={}, location={"street": "jiangyuan"}, child={"name": f" {CHILD} ", "age": 9}))
    submit(client, report(reporter={}, child={}, location={"street": "jiangyuan", "address": "江源街道 幸福路12号。"}))
    submit(
        client,
        report(reporter={"phone": "138 0000 0000"}, child={"name": CHILD, "age": 15}, location={"street": "jiangyuan"}),
    )
    submit(client, report(reporter={"phone": "+86 137-1234-5678"}, child={}, location={"street": "zhengcha"}))
    first, second, third, fourth, fifth = db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()
    assert _links() == [
        (second.id, first.id, "child"),
        (third.id, first.id, "address"),
        (fifth.id, first.id, "reporter_phone"),
    ]
    assert [t.repeat_flag for t in (first, second, third, fourth, fifth)] == [False, True, True, False, True]
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 5


def test_only_open_or_recent_tickets_count_as_repeats(app, client):
    from hotline.intake.tickets import create_ticket

    now = datetime.now(UTC)
    data = {k: v for k, v in REPORT.items()}
    old_closed, _ = create_ticket(
        data, channel="web", actor=None, now=now - timedelta(days=120), auto_dispatch=False, settings=current_settings()
    )
    old_open, _ = create_ticket(
        data, channel="web", actor=None, now=now - timedelta(days=100), auto_dispatch=False, settings=current_settings()
    )
    recent_closed, _ = create_ticket(
        data, channel="web", actor=None, now=now - timedelta(days=30), auto_dispatch=False, settings=current_settings()
    )
    for ticket in (old_closed, recent_closed):
        db.session.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(status="closed"))
    db.session.commit()
    submit(client)
    newest = db.session.scalar(sa.select(Ticket.id).order_by(Ticket.id.desc()))
    linked = {related for ticket, related, _ in _links() if ticket == newest}
    assert linked == {old_open.id, recent_closed.id}
