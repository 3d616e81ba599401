"""Voicemail recordings are played through the app (CONTRACT "Audit"): fetched from Twilio with
the account's credentials through the SDK's client, center roles only, audited; the provider's
URL appears in no response."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog, Ticket
from tests.fakes_twilio import CLIENT_PATH, FAKE_AUDIO, FakeTwilio
from tests.twilio_signing import TWILIO_CONFIG, sid

ACCOUNT = "AC" + "0" * 32


@pytest.fixture
def fake(tmp_path, monkeypatch):
    fake = FakeTwilio(tmp_path)
    for key, value in fake.env.items():
        if not key.startswith("TWILIO_"):
            monkeypatch.setenv(key, value)
    return fake


@pytest.fixture
def app_config(fake):
    return {**TWILIO_CONFIG, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_HTTP_CLIENT": CLIENT_PATH}


def voicemail(twilio) -> Ticket:
    call_sid, recording_sid = sid("CA"), sid("RE")
    twilio.voice(call_sid)
    twilio.recording(call_sid, recording_sid)
    return db.session.scalar(sa.select(Ticket).where(Ticket.recording_sid == recording_sid))


def test_the_center_plays_a_voicemail_through_the_app_and_it_is_audited(twilio, login, fake):
    ticket = voicemail(twilio)
    operator = login("operator", username="olga")
    r = operator.get(f"/api/v1/tickets/{ticket.id}/recording", headers={"User-Agent": "player/1"})
    assert r.status_code == 200 and r.data == FAKE_AUDIO and r.mimetype == "audio/mpeg"
    assert r.headers["Cache-Control"] == "no-store"
    [request] = [q for q in fake.requests() if "/Recordings/" in q["url"]]
    assert request["method"] == "GET"
    assert (
        request["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{ticket.recording_sid}.mp3"
    )
    [read] = db.session.scalars(sa.select(AccessLog).where(AccessLog.via == "recording")).all()
    assert (read.ticket_id, read.user.username, read.user_agent) == (ticket.id, "olga", "player/1")


def test_liaisons_cannot_play_and_no_response_carries_the_provider_url(twilio, login, fake):
    ticket = voicemail(twilio)
    liaison = login("liaison", bureau="civil_affairs")
    assert liaison.get(f"/api/v1/tickets/{ticket.id}/recording").status_code == 403
    supervisor = login("supervisor")
    for url in (f"/api/v1/tickets/{ticket.id}", "/api/v1/calls", f"/api/v1/calls/{ticket.call_sid}", "/api/v1/tickets"):
        body = json.dumps(supervisor.get(url).json)
        assert "api.twilio.com" not in body and "recording_url" not in body, url
    assert supervisor.get("/api/v1/tickets/999999/recording").status_code == 404
    no_voicemail = db.session.scalar(sa.select(Ticket.id).where(Ticket.recording_sid.is_(None)))
    assert no_voicemail is None or supervisor.get(f"/api/v1/tickets/{no_voicemail}/recording").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(AccessLog.id)).where(AccessLog.via == "recording")) == 0


def test_the_ticket_page_plays_the_voicemail_through_the_app(app, twilio, make_user, fake):
    from tests.web.conftest import Pages

    ticket = voicemail(twilio)
    make_user("olga", "operator")
    make_user("li", "liaison", bureau="civil_affairs")
    operator, liaison = Pages(app, app.test_client()), Pages(app, app.test_client())
    assert operator.sign_in("olga").status_code == 302 and liaison.sign_in("li").status_code == 302

    page = operator.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'href="/tickets/{ticket.id}/recording"' in page and "api.twilio.com" not in page
    audio = operator.get(f"/tickets/{ticket.id}/recording")
    assert audio.status_code == 200 and audio.data == FAKE_AUDIO and audio.headers["Cache-Control"] == "no-store"
    [read] = db.session.scalars(sa.select(AccessLog).where(AccessLog.via == "recording:web")).all()
    assert (read.ticket_id, read.user.username) == (ticket.id, "olga")
    assert liaison.get(f"/tickets/{ticket.id}/recording").status_code == 403
