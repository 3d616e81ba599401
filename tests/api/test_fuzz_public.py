"""Property-based: arbitrary JSON and form bodies at every public endpoint.

Whatever arrives, the answer is never a 500, and a rejected request stores nothing. The
Twilio bodies are validly signed (so the parsers behind the signature check are reached too)
and also sent unsigned.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.extensions import db
from hotline.models import Call, Message, Ticket, TicketEvent, TicketLink
from tests.twilio_signing import TWILIO_CONFIG, TwilioPoster

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

WEBHOOKS = [
    "/twilio/voice",
    "/twilio/voice/menu",
    "/twilio/voice/dial",
    "/twilio/voice/lookup",
    "/twilio/voice/lookup/secret?code=1234567890",
    "/twilio/voice/recording",
    "/twilio/voice/status",
    "/twilio/sms",
    "/twilio/sms/status",
]
TWILIO_FIELDS = [
    "CallSid",
    "From",
    "To",
    "Digits",
    "DialCallStatus",
    "RecordingSid",
    "RecordingUrl",
    "RecordingDuration",
    "CallStatus",
    "CallDuration",
    "MessageSid",
    "Body",
    "MessageStatus",
]


@pytest.fixture
def app_config():
    return dict(TWILIO_CONFIG, HOTLINE_PUBLIC_RATE_LIMIT="100000 per minute")


def stored() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Ticket, TicketEvent, Message, Call, TicketLink)
    )


# Any text, including NUL, lone surrogates, control and right-to-left characters.
texts = st.text(st.characters(codec=None), max_size=40) | st.sampled_from(
    ["", "\x00", "\ud800", "🧒", "1" * 10, "a" * 6000]
)
scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | texts
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=12
)
VALID = {
    "description": "一个孩子需要帮助，请尽快联系我们。",
    "location": {"street": "jiangyuan", "address": "江源街道"},
    "child": {"name": "小明", "age": 7, "gender": "male"},
    "protection_types": ["relief"],
    "subject_categories": ["left_behind"],
    "urgency": "normal",
    "reporter": {"name": "王", "phone": "+8613800000000", "anonymous": False},
}


# Mostly-valid reports with one part replaced: the parser's every branch, not only its front door.
def _mutate(key: str, value, sub: str | None) -> dict:
    body = json.loads(json.dumps(VALID))
    if sub is not None and isinstance(body[key], dict):
        body[key][sub] = value
    else:
        body[key] = value
    return body


near_valid = st.builds(
    _mutate,
    st.sampled_from(sorted(VALID)),
    json_values,
    st.none() | st.sampled_from(["street", "address", "name", "age", "gender", "phone", "anonymous"]),
)
report_bodies = json_values | near_valid


@FUZZ
@given(body=report_bodies)
@example(body=_mutate("description", VALID["description"] + "\x00", None))
@example(body=_mutate("location", "\ud800", "address"))
@example(body=_mutate("child", "小\x00明", "name"))
@example(body=_mutate("reporter", "\udfff", "phone"))
@example(body=_mutate("protection_types", ["relief\x00"], None))
@example(body={**VALID, "\ud800": 1})
def test_report_submission_never_fails_and_rejections_store_nothing(client, body):
    before = stored()
    try:
        raw = json.dumps(body)
    except (ValueError, TypeError):
        return
    response = client.post("/api/v1/reports", data=raw, content_type="application/json")
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    if response.status_code != 201:
        assert stored() == before
    else:
        assert len(response.json["tracking_code"]) == 10 and len(response.json["secret"]) == 6


@FUZZ
@given(
    raw=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data", ""]
    ),
)
def test_report_submission_with_arbitrary_bytes(client, raw, content_type):
    before = stored()
    response = client.post("/api/v1/reports", data=raw, content_type=content_type)
    assert response.status_code < 500 and response.status_code != 201
    assert stored() == before


@FUZZ
@given(
    code=st.text(st.characters(codec="utf-8", exclude_characters="/?#%"), min_size=1, max_size=30),
    secret=st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=20) | st.none(),
)
def test_look_up_never_fails_and_never_finds_a_guess(client, code, secret):
    before = stored()
    headers = {"X-Report-Secret": secret} if secret is not None else {}
    response = client.get(f"/api/v1/reports/{code}", headers=headers)
    assert response.status_code in (404, 405, 308), response.get_data(as_text=True)
    assert stored() == before


form_values = st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=60) | st.sampled_from(
    [
        "",
        "\x00",
        "1",
        "-5",
        "99999999999999999999",
        "CA" + "0" * 32,
        "RE" + "1" * 32,
        "SM" + "2" * 32,
        "+8613800000000",
        "completed",
        "no-answer",
        "delivered",
        "x" * 300,
    ]
)
forms = st.dictionaries(st.sampled_from(TWILIO_FIELDS) | st.text(max_size=10), form_values, max_size=8)


@FUZZ
@given(path=st.sampled_from(WEBHOOKS), form=forms, signed=st.booleans())
@example(
    path="/twilio/sms", form={"MessageSid": "SM" + "3" * 32, "From": "+86138\x00", "Body": "救\x00命"}, signed=True
)
@example(path="/twilio/voice", form={"CallSid": "CA" + "3" * 32, "From": "\x00"}, signed=True)
@example(
    path="/twilio/voice/recording",
    form={"CallSid": "CA" + "4" * 32, "RecordingSid": "RE" + "4" * 32, "RecordingUrl": "\x00"},
    signed=True,
)
def test_webhooks_never_fail_and_rejections_store_nothing(client, path, form, signed):
    twilio = TwilioPoster(client)
    before = stored()
    response = twilio.post(path, form, sign="valid" if signed else "missing")
    assert response.status_code < 500, response.get_data(as_text=True)
    if not signed:
        assert response.status_code == 403
    if response.status_code != 200:
        assert stored() == before
    else:
        assert response.mimetype == "text/xml"


@FUZZ
@given(path=st.sampled_from(WEBHOOKS), raw=st.binary(max_size=300))
def test_webhooks_with_arbitrary_bytes_signed_as_if_empty(client, path, raw):
    from tests.twilio_signing import signature

    before = stored()
    headers = {"X-Twilio-Signature": signature(path, {})}
    response = client.post(path, data=raw, content_type="application/x-www-form-urlencoded", headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code != 200:
        assert stored() == before
