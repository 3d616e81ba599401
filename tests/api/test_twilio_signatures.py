"""Every /twilio/* webhook: signed → served; missing, wrong or tampered signature → 403, nothing stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Call, Message, Ticket, TicketEvent, TicketLink
from tests.twilio_signing import CALLER, HOTLINE, TWILIO_CONFIG, sid, signature


@pytest.fixture
def app_config():
    return dict(TWILIO_CONFIG)


def webhooks() -> list[tuple[str, dict[str, str]]]:
    call = {"CallSid": sid("CA"), "From": CALLER, "To": HOTLINE}
    return [
        ("/twilio/voice", dict(call, CallStatus="ringing")),
        ("/twilio/voice/menu", dict(call, Digits="2")),
        ("/twilio/voice/dial", dict(call, DialCallStatus="no-answer")),
        ("/twilio/voice/lookup", dict(call, Digits="1234567890")),
        ("/twilio/voice/lookup/secret?code=1234567890", dict(call, Digits="123456")),
        (
            "/twilio/voice/recording",
            dict(call, RecordingSid=sid("RE"), RecordingUrl="https://api.twilio.com/r/1", RecordingDuration="12"),
        ),
        ("/twilio/voice/status", dict(call, CallStatus="no-answer", CallDuration="0")),
        ("/twilio/sms", {"MessageSid": sid("SM"), "From": CALLER, "To": HOTLINE, "Body": "这里有个孩子需要帮助"}),
        ("/twilio/sms/status", {"MessageSid": sid("SM"), "MessageStatus": "delivered"}),
    ]


PATHS = [path for path, _ in webhooks()]


def stored() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Call, Ticket, TicketEvent, Message, TicketLink)
    )


def _case(path: str) -> dict[str, str]:
    return dict(webhooks())[path]


@pytest.mark.parametrize("path", PATHS)
def test_a_signed_webhook_is_served_with_twiml(twilio, path):
    response = twilio.post(path, _case(path))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    assert b"<Response" in response.get_data()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("how", ["missing", "wrong", "tampered"])
def test_an_unsigned_or_forged_webhook_is_refused_and_stores_nothing(twilio, path, how):
    before = stored()
    response = twilio.post(path, _case(path), sign=how)
    assert response.status_code == 403
    assert response.json["code"] == 403
    assert stored() == before


@pytest.mark.parametrize("path", PATHS)
def test_behind_a_reverse_proxy_the_public_url_is_what_counts(twilio, path):
    """The app sees an internal host and port; Twilio signed the public https URL."""
    proxy_headers = {
        "X-Forwarded-For": "54.172.60.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.example.org",
        "X-Forwarded-Port": "443",
    }
    response = twilio.post(path, _case(path), headers=proxy_headers, base_url="http://10.0.3.7:8000")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_behind_a_trusted_proxy_too(app, twilio):
    app.config["HOTLINE_TRUSTED_PROXIES"] = 1
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    headers = {
        "X-Forwarded-For": "54.172.60.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.example.org",
    }
    response = twilio.voice(sid("CA"), headers=headers, base_url="http://127.0.0.1:5000")
    assert response.status_code == 200


def test_a_forwarded_host_cannot_change_the_url_that_is_checked(twilio, client):
    """Signed for another host (say, a tunnel the attacker controls): refused, whatever the headers say."""
    path, params = "/twilio/voice", {"CallSid": sid("CA"), "From": CALLER}
    headers = {
        "X-Twilio-Signature": signature(path, params, base="https://evil.example.net"),
        "X-Forwarded-Host": "evil.example.net",
        "X-Forwarded-Proto": "https",
    }
    assert client.post(path, data=params, headers=headers, base_url="https://evil.example.net").status_code == 403


def test_the_query_string_is_part_of_what_is_signed(twilio, client):
    call = {"CallSid": sid("CA"), "From": CALLER, "Digits": "123456"}
    signed_without_query = signature("/twilio/voice/lookup/secret", call)
    response = client.post(
        "/twilio/voice/lookup/secret?code=1234567890", data=call, headers={"X-Twilio-Signature": signed_without_query}
    )
    assert response.status_code == 403
    assert twilio.post("/twilio/voice/lookup/secret?code=1234567890", call).status_code == 200


def test_the_signature_also_holds_with_the_port_twilio_may_add(client):
    params = {"CallSid": sid("CA"), "From": CALLER}
    headers = {"X-Twilio-Signature": signature("/twilio/voice", params, base="https://hotline.example.org:443")}
    assert client.post("/twilio/voice", data=params, headers=headers).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_without_an_auth_token_every_webhook_is_refused(app, twilio, path):
    """No token configured: a signature cannot be checked, so nothing is trusted (and nothing stored)."""
    app.config["TWILIO_AUTH_TOKEN"] = ""
    before = stored()
    assert twilio.post(path, _case(path)).status_code == 403
    assert twilio.post(path, _case(path), sign="missing").status_code == 403
    assert stored() == before


def test_a_get_is_not_a_webhook(client):
    assert client.get("/twilio/voice").status_code == 405
