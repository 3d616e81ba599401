"""Sign webhook requests exactly as Twilio does, with the SDK's own ``RequestValidator``.

Twilio signs the URL it requested (the public URL, never the internal host) and the POSTed
form fields with the account's auth token. ``TwilioPoster`` posts through a Flask test
client; ``signed_post`` through ``requests`` to a real server.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from typing import Any

from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://hotline.example.org"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
CALLER = "+8613811112222"
HOTLINE = "+8643100000000"

TWILIO_CONFIG = {"TWILIO_AUTH_TOKEN": AUTH_TOKEN, "HOTLINE_PUBLIC_URL": PUBLIC_URL}


def sid(prefix: str) -> str:
    """A SID shaped like Twilio's: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def signature(path: str, params: dict[str, str], *, token: str = AUTH_TOKEN, base: str = PUBLIC_URL) -> str:
    return RequestValidator(token).compute_signature(base + path, params)


def parse(response) -> ET.Element:
    """The TwiML answer as an element tree (asserts it is XML)."""
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data())


class TwilioPoster:
    """Posts signed (or deliberately unsigned / mis-signed) webhooks through a test client."""

    def __init__(self, client):
        self.client = client

    def post(
        self,
        path: str,
        params: dict[str, Any],
        *,
        sign: str = "valid",
        headers: dict[str, str] | None = None,
        base_url: str | None = None,
    ):
        """``sign``: "valid", "missing", "wrong" (another token), or "tampered" (a field changed after signing)."""
        params = {k: str(v) for k, v in params.items()}
        merged = dict(headers or {})
        if sign == "valid":
            merged["X-Twilio-Signature"] = signature(path, params)
        elif sign == "wrong":
            merged["X-Twilio-Signature"] = signature(path, params, token="not-the-auth-token")
        elif sign == "tampered":
            merged["X-Twilio-Signature"] = signature(path, params)
            params = dict(params, Tampered="1")
        elif sign != "missing":
            raise ValueError(sign)
        kwargs = {"base_url": base_url} if base_url else {}
        return self.client.post(path, data=params, headers=merged, **kwargs)

    # The calls Twilio makes during one phone call.
    def voice(self, call_sid: str, caller: str = CALLER, **kw):
        return self.post(
            "/twilio/voice", {"CallSid": call_sid, "From": caller, "To": HOTLINE, "CallStatus": "ringing"}, **kw
        )

    def menu(self, call_sid: str, digits: str | None, caller: str = CALLER, **kw):
        params = {"CallSid": call_sid, "From": caller, "To": HOTLINE, "CallStatus": "in-progress"}
        if digits is not None:
            params["Digits"] = digits
        return self.post("/twilio/voice/menu", params, **kw)

    def dial(self, call_sid: str, dial_status: str, caller: str = CALLER, **kw):
        params = {"CallSid": call_sid, "From": caller, "To": HOTLINE, "DialCallStatus": dial_status}
        return self.post("/twilio/voice/dial", params, **kw)

    def recording(self, call_sid: str, recording_sid: str, caller: str = CALLER, duration: int = 42, **kw):
        params = {
            "CallSid": call_sid,
            "From": caller,
            "To": HOTLINE,
            "RecordingSid": recording_sid,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{recording_sid}",
            "RecordingDuration": duration,
            "Digits": "#",
        }
        return self.post("/twilio/voice/recording", params, **kw)

    def status(self, call_sid: str, call_status: str, duration: int | None = 30, caller: str = CALLER, **kw):
        params = {"CallSid": call_sid, "From": caller, "To": HOTLINE, "CallStatus": call_status}
        if duration is not None:
            params["CallDuration"] = duration
        return self.post("/twilio/voice/status", params, **kw)

    def sms(self, message_sid: str, body: str, caller: str = CALLER, **kw):
        params = {
            "MessageSid": message_sid,
            "SmsSid": message_sid,
            "From": caller,
            "To": HOTLINE,
            "Body": body,
            "NumMedia": "0",
        }
        return self.post("/twilio/sms", params, **kw)

    def sms_status(self, message_sid: str, status: str, **kw):
        return self.post("/twilio/sms/status", {"MessageSid": message_sid, "MessageStatus": status}, **kw)


def signed_post(session, base_url: str, path: str, params: dict[str, Any], **kwargs):
    """Post a signed webhook to a real server (``requests``); Twilio signed the public URL."""
    params = {k: str(v) for k, v in params.items()}
    headers = {"X-Twilio-Signature": signature(path, params)}
    return session.post(base_url + path, data=params, headers=headers, **kwargs)
