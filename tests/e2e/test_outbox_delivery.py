"""Notifications that are never lost: real worker processes, Twilio faked at the SDK's seam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app

from hotline import create_app, send_queue
from hotline.extensions import db
from hotline.models import Message
from hotline.notify.services import SendLater, sweep_outbox, update_delivery_status
from hotline.queues import NOTIFICATIONS, get_queue
from hotline.settings import install as install_settings
from tests.factories_dispatch import messages, ticket_body
from tests.fakes_twilio import FakeTwilio
from tests.outbox_helpers import send

RETRY_NOW = {"HOTLINE_SMS_RETRY_INTERVALS": "0,0,0,0"}


@pytest.fixture
def twilio(app, tmp_path, monkeypatch) -> FakeTwilio:
    """Twilio credentials plus the recording HTTP client, here and in worker processes."""
    fake = FakeTwilio(tmp_path)
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    app.config.update(fake.config)
    app.config["HOTLINE_SMS_RETRY_INTERVALS"] = [0, 0, 0, 0]  # jobs enqueued here retry at once
    install_settings(app)
    return fake


@pytest.fixture
def liaisons(make_user) -> dict[str, str]:
    phones = {"civil_affairs": "+8613700000101", "street:jiangyuan": "+8613700000102"}
    for n, (bureau, phone) in enumerate(phones.items()):
        make_user(f"liaison{n}", "liaison", bureau=bureau, phone=phone)
    return phones


def reload(message_id: int) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def test_a_ticket_created_while_redis_is_down_is_delivered_by_the_sweep_exactly_once(
    app, base_config, login, liaisons, run_worker, twilio
):
    token = login("operator").token
    down = create_app(dict(base_config, REDIS_URL="redis://127.0.0.1:1/0", **twilio.config))
    response = down.test_client().post(
        "/api/v1/tickets", json=ticket_body(urgency="emergency"), headers={"Authorization": f"Bearer {token}"}
    )
    with down.app_context():
        db.engine.dispose()
    assert response.status_code == 201, response.json
    sent_to = messages(ticket_id=response.json["id"])
    assert sorted(m.to for m in sent_to) == sorted(
        [*liaisons.values(), "+8613900000001"]
    )  # two liaisons, the duty phone
    assert {m.status for m in sent_to} == {"queued"}
    assert get_queue(NOTIFICATIONS).count == 0  # nothing reached Redis

    later = datetime.now(UTC) + timedelta(minutes=2)
    assert sweep_outbox(later, queue=send_queue(current_app)) == 3
    assert (
        sweep_outbox(later, queue=send_queue(current_app)) == 0
    )  # a second sweep before any worker ran: each row's job still waits
    result = run_worker(extra_env=twilio.env | RETRY_NOW)
    assert result.returncode == 0, result.stderr[-3000:]

    for message in sent_to:
        row = reload(message.id)
        assert row.status == "sent" and row.provider == "twilio" and row.provider_sid.startswith("SM")
        assert row.attempts == 1
    requests = twilio.requests()
    assert sorted(r["data"]["To"] for r in requests) == sorted(m.to for m in sent_to)  # each exactly once
    assert all(r["url"].endswith("/Messages.json") and r["method"] == "POST" for r in requests)
    assert {r["data"]["StatusCallback"] for r in requests} == {"https://hotline.example.org/twilio/sms/status"}
    assert sweep_outbox(later, queue=send_queue(current_app)) == 0  # nothing is left queued


def test_the_send_job_run_twice_sends_once(app, login, liaisons, run_worker, twilio):
    ticket = login("operator").post("/api/v1/tickets", json=ticket_body(location={"street": "zhengcha"})).json
    (message,) = messages(ticket_id=ticket["id"])  # the civil_affairs liaison (zhengcha's office has none)
    message_id = message.id
    assert send_queue(current_app).enqueue(message_id)  # a second job for the same row
    assert send_queue(current_app).enqueue(message_id)  # and a third
    result = run_worker(extra_env=twilio.env | RETRY_NOW)
    assert result.returncode == 0, result.stderr[-3000:]
    assert reload(message_id).status == "sent" and reload(message_id).attempts == 1
    assert len(twilio.requests()) == 1
    assert send(message_id, datetime.now(UTC)) == "already sent"
    assert len(twilio.requests()) == 1


def test_a_twilio_5xx_is_retried_then_succeeds(app, login, liaisons, run_worker, twilio):
    twilio.script({"status": 500}, {"status": 503, "code": 20503, "message": "Service unavailable"})
    ticket = login("operator").post("/api/v1/tickets", json=ticket_body(location={"street": "zhengcha"})).json
    (message,) = messages(ticket_id=ticket["id"])  # the civil_affairs liaison
    result = run_worker(extra_env=twilio.env | RETRY_NOW)
    assert result.returncode == 0, result.stderr[-3000:]
    row = reload(message.id)
    assert row.status == "sent" and row.attempts == 3 and "503" in row.last_error
    requests = twilio.requests()
    assert len(requests) == 3 and {r["data"]["To"] for r in requests} == {liaisons["civil_affairs"]}
    assert requests[-1]["data"]["Body"] == row.body


def test_a_permanent_4xx_ends_failed(app, login, liaisons, run_worker, twilio):
    twilio.script({"status": 400, "code": 21211, "message": "The 'To' number is not a valid phone number."})
    ticket = login("operator").post("/api/v1/tickets", json=ticket_body(location={"street": "zhengcha"})).json
    (message,) = messages(ticket_id=ticket["id"])
    for _ in range(2):
        result = run_worker(extra_env=twilio.env | RETRY_NOW)
        assert result.returncode == 0, result.stderr[-3000:]
    row = reload(message.id)
    assert row.status == "failed" and row.attempts == 1 and "21211" in row.last_error
    assert len(twilio.requests()) == 1
    supervisor = login("supervisor")
    listed = supervisor.get(f"/api/v1/messages?ticket_id={ticket['id']}&status=failed").json["items"]
    assert [m["id"] for m in listed] == [message.id]


def test_transient_failures_end_failed_after_the_last_retry(app, login, liaisons, run_worker, twilio):
    twilio.script(*[{"status": 503}] * 6)
    ticket = login("operator").post("/api/v1/tickets", json=ticket_body(location={"street": "zhengcha"})).json
    (message,) = messages(ticket_id=ticket["id"])
    result = run_worker(extra_env=twilio.env | RETRY_NOW)
    assert result.returncode == 0, result.stderr[-3000:]
    row = reload(message.id)
    assert row.status == "failed" and row.attempts == 5  # the first try and four retries
    assert len(twilio.requests()) == 5


def test_a_row_waiting_for_its_retry_is_not_swept(app, login, liaisons, twilio):
    app.config["HOTLINE_SMS_RETRY_INTERVALS"] = [120]
    install_settings(app)
    twilio.script({"status": 502})
    ticket = login("operator").post("/api/v1/tickets", json=ticket_body(location={"street": "zhengcha"})).json
    (message,) = messages(ticket_id=ticket["id"])
    get_queue(NOTIFICATIONS).empty()
    now = datetime.now(UTC)
    with pytest.raises(SendLater):
        send(message.id, now)
    assert reload(message.id).claimed_until == now + timedelta(seconds=120)
    assert sweep_outbox(now + timedelta(seconds=90), queue=send_queue(current_app)) == 0  # its RQ retry is still due
    assert (
        sweep_outbox(now + timedelta(seconds=121), queue=send_queue(current_app)) == 1
    )  # the retry got lost: the sweep takes over
    assert send(message.id, now + timedelta(seconds=121)) == "sent"
    assert send(message.id, now + timedelta(seconds=122)) == "already sent"
    assert len(twilio.requests()) == 2


def test_delivery_callbacks_never_move_a_message_back(app, login, liaisons, twilio):
    ticket = login("operator").post("/api/v1/tickets", json=ticket_body(location={"street": "zhengcha"})).json
    (message,) = messages(ticket_id=ticket["id"])
    assert send(message.id, datetime.now(UTC)) == "sent"
    sid = reload(message.id).provider_sid
    assert update_delivery_status(sid, "delivered").status == "delivered"
    assert update_delivery_status(sid, "sent").status == "delivered"  # late and out of order
    assert update_delivery_status(sid, "undelivered").status == "delivered"
    assert update_delivery_status("SMunknown", "delivered") is None
