"""SMS reports: a `new` ticket and a Chinese reply with its tracking code and secret."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Message, Ticket
from tests.twilio_signing import CALLER, TWILIO_CONFIG, parse, sid

BODY = "江源街道幸福路有个小孩每天晚上在外面游荡，好像没人管。"


@pytest.fixture
def app_config():
    return dict(TWILIO_CONFIG, HOTLINE_PUBLIC_RATE_LIMIT="1000 per minute")


def reply_of(response) -> str:
    root = parse(response)
    (message,) = root.findall("Message")
    return message.text


def all_tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Ticket).order_by(Ticket.id)))


def test_an_sms_becomes_a_new_ticket_and_the_reply_opens_the_look_up(client, login, twilio):
    message_sid = sid("SM")
    reply = reply_of(twilio.sms(message_sid, BODY))
    (ticket,) = all_tickets()
    assert ticket.channel == "sms" and ticket.status == "new"
    assert ticket.description == BODY and ticket.reporter_phone == CALLER
    assert ticket.message_sid == message_sid
    assert "【未成年人保护热线】" in reply
    code, secret = re.search(r"查询码(\d{10})", reply).group(1), re.search(r"密码(\d{6})", reply).group(1)
    assert code == ticket.tracking_code
    # No personal data in the reply: it goes to a phone others may read.
    assert CALLER not in reply and "幸福路" not in reply

    looked_up = client.get(f"/api/v1/reports/{code}", headers={"X-Report-Secret": secret})
    assert looked_up.status_code == 200 and looked_up.json["status"] == "new"

    # The reply is on record as a `reply` message delivered by TwiML, never queued for a second send.
    supervisor = login("supervisor")
    items = supervisor.get(f"/api/v1/messages?ticket_id={ticket.id}").json["items"]
    # Its stored copy shows the secret masked: no stored text holds a reporter's secret.
    assert [(m["kind"], m["status"], m["provider"], m["to"], m["body"]) for m in items] == [
        ("reply", "sent", "twiml", CALLER, reply.replace(secret, "******"))
    ]
    assert secret not in json.dumps(items, ensure_ascii=False)


def test_a_retried_sms_answers_identically_while_no_stored_text_holds_the_secret(twilio):
    message_sid = sid("SM")
    first = reply_of(twilio.sms(message_sid, BODY))
    secret = re.search(r"密码(\d{6})", first).group(1)
    assert reply_of(twilio.sms(message_sid, BODY)) == first
    (ticket,) = all_tickets()
    assert secret not in ticket.secret_hash
    texts = [
        *db.session.scalars(sa.select(Message.body)),
        ticket.description,
        *(f"{e.reason} {e.data} {e.public_note}" for e in ticket.events),
    ]
    assert texts and not any(secret in text for text in texts)


def test_the_same_message_sid_again_creates_nothing_and_answers_the_same(twilio):
    message_sid = sid("SM")
    first = twilio.sms(message_sid, BODY)
    second = twilio.sms(message_sid, BODY)
    assert second.get_data() == first.get_data()
    assert len(all_tickets()) == 1
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1


def test_each_new_message_is_its_own_ticket_with_its_own_code(twilio):
    replies = {reply_of(twilio.sms(sid("SM"), BODY)) for _ in range(3)}
    assert len(replies) == 3 and len(all_tickets()) == 3


def test_an_empty_or_very_short_sms_is_still_taken(twilio):
    twilio.sms(sid("SM"), "")
    twilio.sms(sid("SM"), "救命")
    first, second = all_tickets()
    assert first.description and second.description == "救命"


def test_repeat_texts_from_one_number_are_linked(twilio, login):
    twilio.sms(sid("SM"), BODY)
    twilio.sms(sid("SM"), "还是那个孩子，今天又在外面。")
    first, second = all_tickets()
    assert second.repeat_flag and not first.repeat_flag
    operator = login("operator")
    related = operator.get(f"/api/v1/tickets/{second.id}").json["related"]
    assert [(r["id"], r["reason"]) for r in related] == [(first.id, "reporter_phone")]
    assert [r["id"] for r in operator.get(f"/api/v1/tickets/{first.id}").json["related"]] == [second.id]
    # The list carries the flag; the links themselves are on the detail (no query per listed ticket).
    listed = {t["id"]: t for t in operator.get("/api/v1/tickets").json["items"]}
    assert listed[second.id]["repeat_flag"] is True and "related" not in listed[second.id]


def test_a_withheld_number_is_never_a_repeat(twilio):
    twilio.sms(sid("SM"), BODY, caller="+266696687")
    twilio.sms(sid("SM"), BODY, caller="+266696687")
    assert [t.repeat_flag for t in all_tickets()] == [False, False]


def test_a_form_without_a_message_sid_is_refused_and_stores_nothing(twilio):
    response = twilio.post("/twilio/sms", {"From": CALLER, "Body": BODY})
    assert response.status_code == 422 and "MessageSid" in response.json["errors"]
    assert all_tickets() == []


def test_delivery_status_updates_the_message_we_sent(app, twilio):
    from hotline.notify.outbox import add_message

    message = add_message("+8613900000009", "测试", "notice")
    message.provider_sid, message.status, message.provider = "SMabc123", "sent", "twilio"
    db.session.commit()
    parse(twilio.sms_status("SMabc123", "delivered"))
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "delivered"
    parse(twilio.sms_status("SMabc123", "sent"))  # late and out of order: ignored
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "delivered"
    # An unknown SID is answered (Twilio must not retry) and changes nothing.
    assert twilio.sms_status(sid("SM"), "failed").status_code == 200
