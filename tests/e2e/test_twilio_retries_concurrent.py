"""Twilio retries: the same CallSid, RecordingSid or MessageSid, twice at once, makes one row.

Two ways, on whichever backend the suite runs:

* real concurrent requests: a gunicorn server with several worker processes and identical
  signed webhooks released together by a barrier; every copy must get the same answer;
* a forced interleaving in this process: two requests, each with its own app context, session
  and connection, are held at their first flush until both have looked for the SID and found
  nothing, so the unique key alone must decide and the loser must answer like the winner.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.extensions import db
from hotline.models import Call, Message, Ticket, TicketEvent
from tests.live_server import gunicorn
from tests.twilio_signing import AUTH_TOKEN, CALLER, HOTLINE, PUBLIC_URL, TWILIO_CONFIG, TwilioPoster, sid, signed_post

COPIES = 4  # identical webhooks at once
ROUNDS = 4


@pytest.fixture
def app_config():
    return dict(TWILIO_CONFIG, HOTLINE_OPERATOR_PHONES=["+8613900000002"], HOTLINE_DUTY_PHONES=["+8613900000001"])


@pytest.fixture
def server(app, service_env, tmp_path):
    env = dict(
        service_env,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        HOTLINE_PUBLIC_URL=PUBLIC_URL,
        HOTLINE_OPERATOR_PHONES="+8613900000002",
        HOTLINE_DUTY_PHONES="+8613900000001",
    )
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(env, log_path, workers=3, threads=2) as base:
        yield base
    assert "Traceback" not in log_path.read_text(errors="replace")


def burst(server: str, path: str, params: dict[str, str]) -> list[requests.Response]:
    barrier = threading.Barrier(COPIES)

    def post(_: int) -> requests.Response:
        with requests.Session() as http:
            barrier.wait()
            return signed_post(http, server, path, params, timeout=60)

    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(post, range(COPIES)))


def same_answers(responses: list[requests.Response]) -> bytes:
    assert [r.status_code for r in responses] == [200] * COPIES, [(r.status_code, r.text[:300]) for r in responses]
    bodies = {r.content for r in responses}
    assert len(bodies) == 1, bodies
    return bodies.pop()


def count(model, **filters) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))


def test_simultaneous_copies_through_a_real_server(server):
    for _ in range(ROUNDS):
        call_sid, recording_sid, message_sid = sid("CA"), sid("RE"), sid("SM")
        call = {"CallSid": call_sid, "From": CALLER, "To": HOTLINE}
        same_answers(burst(server, "/twilio/voice", dict(call, CallStatus="ringing")))
        assert count(Call, call_sid=call_sid) == 1
        same_answers(burst(server, "/twilio/voice/menu", dict(call, Digits="1")))
        same_answers(burst(server, "/twilio/voice/dial", dict(call, DialCallStatus="no-answer")))
        recording = dict(
            call,
            RecordingSid=recording_sid,
            RecordingUrl="https://api.twilio.com/r/" + recording_sid,
            RecordingDuration="20",
        )
        same_answers(burst(server, "/twilio/voice/recording", recording))
        assert count(Ticket, recording_sid=recording_sid) == 1
        ticket = db.session.scalar(sa.select(Ticket).filter_by(recording_sid=recording_sid))
        assert ticket.urgency == "emergency"
        assert count(Message, ticket_id=ticket.id, kind="alert") == 1
        assert count(TicketEvent, ticket_id=ticket.id, action="created") == 1
        assert db.session.scalar(sa.select(Call.ticket_id).filter_by(call_sid=call_sid)) == ticket.id

        reply = same_answers(
            burst(server, "/twilio/sms", {"MessageSid": message_sid, "From": CALLER, "Body": "孩子需要帮助"})
        )
        assert count(Ticket, message_sid=message_sid) == 1
        ticket = db.session.scalar(sa.select(Ticket).filter_by(message_sid=message_sid))
        assert re.search(rb"\d{10}", reply).group().decode() == ticket.tracking_code
        assert count(Message, ticket_id=ticket.id, kind="reply") == 1

        same_answers(burst(server, "/twilio/voice/status", dict(call, CallStatus="completed", CallDuration="40")))
        assert db.session.scalar(sa.select(Call.status).filter_by(call_sid=call_sid)) == "missed"


def test_sequential_retries_through_a_real_server(server):
    call_sid, recording_sid, message_sid = sid("CA"), sid("RE"), sid("SM")
    call = {"CallSid": call_sid, "From": CALLER, "To": HOTLINE}
    steps = [
        ("/twilio/voice", call),
        ("/twilio/voice/menu", dict(call, Digits="2")),
        ("/twilio/voice/dial", dict(call, DialCallStatus="busy")),
        (
            "/twilio/voice/recording",
            dict(call, RecordingSid=recording_sid, RecordingUrl="https://x/r", RecordingDuration="5"),
        ),
        ("/twilio/sms", {"MessageSid": message_sid, "From": CALLER, "Body": "孩子需要帮助"}),
    ]
    with requests.Session() as http:
        for path, params in steps:
            answers = [signed_post(http, server, path, params, timeout=60) for _ in range(3)]
            assert [a.status_code for a in answers] == [200] * 3
            assert len({a.content for a in answers}) == 1, path
    assert count(Call) == 1 and count(Ticket) == 2 and count(Message, kind="reply") == 1


# --- a forced interleaving: both copies past the "already there?" check before either writes ------------


@pytest.fixture
def hold_first_flush():
    """Hold each session's first flush that inserts ``model`` until ``parties`` sessions are there."""
    installed = []

    def install(model, parties: int = 2):
        barrier = threading.Barrier(parties, timeout=30)

        def hold(session, flush_context, instances):
            if not session.info.get("held") and any(isinstance(obj, model) for obj in session.new):
                session.info["held"] = True
                barrier.wait()

        event.listen(Session, "before_flush", hold)
        installed.append(hold)

    yield install
    for hold in installed:
        event.remove(Session, "before_flush", hold)


@pytest.fixture(autouse=True)
def _intake_logs(caplog):
    caplog.set_level(logging.INFO, logger="hotline.intake")


def twin_requests(app, send) -> list:
    """Run ``send(TwilioPoster)`` in two threads, each with its own test client and app context."""

    def run(_: int):
        with app.app_context():
            try:
                return send(TwilioPoster(app.test_client()))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(run, range(2)))


def test_interleaved_twin_sms_make_one_ticket_and_one_answer(app, hold_first_flush, caplog):
    hold_first_flush(Ticket)
    message_sid = sid("SM")
    answers = twin_requests(app, lambda twilio: twilio.sms(message_sid, "孩子需要帮助，请联系"))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    assert count(Ticket, message_sid=message_sid) == 1 and count(Message, kind="reply") == 1
    assert "a concurrent copy created ticket" in caplog.text  # the unique key decided, not the look-up


def test_interleaved_twin_recordings_make_one_ticket(app, hold_first_flush, caplog):
    call_sid, recording_sid = sid("CA"), sid("RE")
    twilio = TwilioPoster(app.test_client())
    twilio.voice(call_sid)
    twilio.menu(call_sid, "1")
    hold_first_flush(Ticket)
    answers = twin_requests(app, lambda poster: poster.recording(call_sid, recording_sid))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    assert count(Ticket, recording_sid=recording_sid) == 1
    assert count(Message, kind="alert") == 1
    assert "a concurrent copy created ticket" in caplog.text


def test_interleaved_twin_greetings_make_one_call(app, hold_first_flush, caplog):
    hold_first_flush(Call)
    call_sid = sid("CA")
    answers = twin_requests(app, lambda twilio: twilio.voice(call_sid))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_data() == answers[1].get_data()
    assert count(Call, call_sid=call_sid) == 1
    assert "a concurrent copy logged it first" in caplog.text
