"""The voice menu from greeting to hang-up, for each choice, reading the TwiML answers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Call, Message, Ticket, TicketEvent
from tests.twilio_signing import CALLER, TWILIO_CONFIG, parse, sid


@pytest.fixture
def app_config():
    return dict(
        TWILIO_CONFIG,
        HOTLINE_OPERATOR_PHONES=["+8613900000002", "+8613900000003"],
        HOTLINE_DUTY_PHONES=["+8613900000001"],
    )


def call_row(call_sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(sa.select(Call).filter_by(call_sid=call_sid))


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Ticket).order_by(Ticket.id)))


def test_greeting_is_a_mandarin_menu_and_logs_the_call(twilio):
    call_sid = sid("CA")
    root = parse(twilio.voice(call_sid))
    assert root.tag == "Response"
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == "/twilio/voice/menu"
    say = gather.find("Say")
    assert say.get("language") == "zh-CN"
    assert "按1" in say.text and "按2" in say.text and "按3" in say.text
    # Silence: the caller is not dropped, the menu handler takes over.
    assert root.find("Redirect").text == "/twilio/voice/menu"
    call = call_row(call_sid)
    assert call.from_number == CALLER and call.status == "in_progress" and call.menu_choice is None


@pytest.mark.parametrize("digit", ["1", "2"])
def test_choice_1_and_2_ring_the_operators_then_voicemail(twilio, digit):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    root = parse(twilio.menu(call_sid, digit))
    dial = root.find("Dial")
    assert dial.get("action") == "/twilio/voice/dial"
    assert 5 <= int(dial.get("timeout")) <= 60
    assert [n.text for n in dial.findall("Number")] == ["+8613900000002", "+8613900000003"]
    if digit == "1":
        assert "110" in root.find("Say").text
    assert call_row(call_sid).menu_choice == digit

    # Nobody picked up: voicemail.
    root = parse(twilio.dial(call_sid, "no-answer"))
    record = root.find("Record")
    assert record.get("action") == "/twilio/voice/recording"
    assert root.find("Say").get("language") == "zh-CN"
    assert call_row(call_sid).answered_at is None

    recording_sid = sid("RE")
    root = parse(twilio.recording(call_sid, recording_sid))
    assert root.find("Say") is not None and root.find("Hangup") is not None
    (ticket,) = tickets()
    assert ticket.channel == "voicemail" and ticket.status == "new"
    assert ticket.recording_sid == recording_sid and ticket.recording_url.endswith(recording_sid)
    assert ticket.call_sid == call_sid and ticket.reporter_phone == CALLER
    assert len(ticket.tracking_code) == 10
    alerts = db.session.scalars(sa.select(Message).filter_by(kind="alert")).all()
    if digit == "1":
        assert ticket.urgency == "emergency"
        assert [m.to for m in alerts] == ["+8613900000001"]
        assert alerts[0].ticket_id == ticket.id and alerts[0].emergency
    else:
        assert ticket.urgency is None and alerts == []
    call = call_row(call_sid)
    assert call.ticket_id == ticket.id and call.recording_sid == recording_sid

    # The call ends: nobody answered it, so it waits for a call-back.
    parse(twilio.status(call_sid, "completed", duration=75))
    call = call_row(call_sid)
    assert call.status == "missed" and call.duration == 75 and call.ended_at is not None


def test_an_answered_call_hangs_up_after_the_operator_and_is_not_missed(twilio):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    twilio.menu(call_sid, "2")
    root = parse(twilio.dial(call_sid, "completed"))
    assert root.find("Record") is None and root.find("Hangup") is not None
    parse(twilio.status(call_sid, "completed", duration=300))
    call = call_row(call_sid)
    assert call.status == "completed" and call.answered_at is not None and call.duration == 300
    assert tickets() == []


def test_no_operator_on_duty_goes_straight_to_voicemail(app, twilio):
    app.config["HOTLINE_OPERATOR_PHONES"] = []
    call_sid = sid("CA")
    twilio.voice(call_sid)
    root = parse(twilio.menu(call_sid, "1"))
    assert root.find("Dial") is None
    assert root.find("Record").get("action") == "/twilio/voice/recording"
    assert "110" in root.find("Say").text


def test_silence_puts_the_caller_through_like_2(twilio):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    root = parse(twilio.menu(call_sid, None))
    assert root.find("Dial") is not None
    assert call_row(call_sid).menu_choice is None


def test_another_key_repeats_the_menu(twilio):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    root = parse(twilio.menu(call_sid, "9"))
    assert "无效" in root.find("Say").text
    assert root.find("Gather").get("action") == "/twilio/voice/menu"
    assert call_row(call_sid).menu_choice is None


def _web_report(client) -> dict:
    body = {"description": "孩子晚上经常一个人在街上，没有大人照看。", "location": {"street": "jiangyuan"}}
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_choice_3_reads_out_the_status_of_a_report(client, twilio):
    report = _web_report(client)
    call_sid = sid("CA")
    twilio.voice(call_sid)
    root = parse(twilio.menu(call_sid, "3"))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "10" and gather.get("action") == "/twilio/voice/lookup"
    params = {"CallSid": call_sid, "From": CALLER, "Digits": report["tracking_code"]}
    root = parse(twilio.post("/twilio/voice/lookup", params))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "6"
    action = gather.get("action")
    assert action.startswith("/twilio/voice/lookup/secret?")
    root = parse(twilio.post(action, {"CallSid": call_sid, "From": CALLER, "Digits": report["secret"]}))
    spoken = " ".join(s.text for s in root.findall("Say"))
    assert "已受理" in spoken and "我们已收到您的报告" in spoken
    assert all(s.get("language") == "zh-CN" for s in root.findall("Say"))
    assert root.find("Hangup") is not None
    assert call_row(call_sid).lookup_attempts == 0


def test_choice_3_gives_three_tries_and_tells_nothing_about_which_part_was_wrong(client, twilio):
    report = _web_report(client)
    call_sid = sid("CA")
    twilio.voice(call_sid)
    twilio.menu(call_sid, "3")
    base = {"CallSid": call_sid, "From": CALLER}
    answers = []
    # 1: an unknown code (still asked for a secret), 2: a wrong secret, 3: a short code.
    root = parse(twilio.post("/twilio/voice/lookup", dict(base, Digits="1000000000")))
    answers.append(parse(twilio.post(root.find("Gather").get("action"), dict(base, Digits="123456"))))
    root = parse(twilio.post("/twilio/voice/lookup", dict(base, Digits=report["tracking_code"])))
    wrong = "111111" if report["secret"] != "111111" else "222222"
    answers.append(parse(twilio.post(root.find("Gather").get("action"), dict(base, Digits=wrong))))
    answers.append(parse(twilio.post("/twilio/voice/lookup", dict(base, Digits="123"))))
    first, second, third = answers
    assert ET_text(first) == ET_text(second)  # the same words for an unknown code and a wrong secret
    assert first.find("Gather").get("numDigits") == "10"
    assert third.find("Gather") is None and third.find("Hangup") is not None
    assert call_row(call_sid).lookup_attempts == 3
    # Even the right code and secret are refused on this call now.
    root = parse(twilio.post("/twilio/voice/lookup", dict(base, Digits=report["tracking_code"])))
    assert root.find("Hangup") is not None and root.find("Gather") is None


def ET_text(root) -> str:
    return "|".join(f"{el.tag}:{el.text}:{sorted(el.attrib.items())}" for el in root.iter())


def test_status_callback_without_a_menu_choice_is_missed(twilio):
    for twilio_status in ("no-answer", "busy", "failed", "canceled", "completed"):
        call_sid = sid("CA")
        twilio.voice(call_sid)
        parse(twilio.status(call_sid, twilio_status, duration=0))
        call = call_row(call_sid)
        assert call.status == "missed", twilio_status
        assert call.twilio_status == twilio_status


def test_a_late_live_status_never_revives_a_finished_call(twilio):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    twilio.status(call_sid, "completed", duration=10)
    twilio.status(call_sid, "in-progress", duration=None)
    call = call_row(call_sid)
    assert call.status == "missed" and call.twilio_status == "completed" and call.duration == 10


def test_a_status_callback_for_an_unseen_call_logs_it(twilio):
    call_sid = sid("CA")
    parse(twilio.status(call_sid, "busy", duration=0))
    assert call_row(call_sid).status == "missed"


def test_an_operator_answer_reported_after_the_hang_up_still_counts(twilio):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    twilio.menu(call_sid, "1")
    twilio.status(call_sid, "completed", duration=120)
    assert call_row(call_sid).status == "missed"
    twilio.dial(call_sid, "completed")
    assert call_row(call_sid).status == "completed"


def test_retried_greeting_menu_and_recording_create_nothing_new(twilio):
    call_sid, recording_sid = sid("CA"), sid("RE")
    first = twilio.voice(call_sid).get_data()
    assert twilio.voice(call_sid).get_data() == first
    menu = twilio.menu(call_sid, "1").get_data()
    assert twilio.menu(call_sid, "1").get_data() == menu
    twilio.dial(call_sid, "busy")
    answer = twilio.recording(call_sid, recording_sid).get_data()
    again = twilio.recording(call_sid, recording_sid).get_data()
    assert again == answer
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Call.id))) == 1
    assert len(tickets()) == 1
    assert db.session.scalar(sa.select(sa.func.count(Message.id)).filter_by(kind="alert")) == 1
    created = db.session.scalar(sa.select(sa.func.count(TicketEvent.id)).filter_by(action="created"))
    assert created == 1


def test_a_second_recording_on_the_same_call_is_a_second_ticket(twilio):
    call_sid = sid("CA")
    twilio.voice(call_sid)
    twilio.menu(call_sid, "2")
    twilio.dial(call_sid, "no-answer")
    twilio.recording(call_sid, sid("RE"))
    twilio.recording(call_sid, sid("RE"))
    assert len(tickets()) == 2
    assert call_row(call_sid).ticket_id == tickets()[0].id
