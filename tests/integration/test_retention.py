"""Retention, correction, erasure (CONTRACT "Retention, correction, erasure"): the retention job
(CLI and cron) pseudonymises tickets closed or cancelled long enough ago, one transaction per
ticket, deleting Twilio recordings through the SDK; --dry-run changes nothing; an admin redacts
fields with a reason; corrections after dispatch name fields, never values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.intake.recordings import twilio_client
from hotline.models import Attachment, Call, Feedback, Note, Ticket, TicketEvent, User
from hotline.retention.services import REMOVED, run_retention, summary_line
from tests.factories import make_ticket, user
from tests.fakes_twilio import CLIENT_PATH, FakeTwilio

ACCOUNT = "AC" + "0" * 32
AT = datetime(2030, 6, 1, 2, 0, tzinfo=UTC)
LONG_AGO = AT - timedelta(days=1200)
RECENTLY = AT - timedelta(days=30)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    fake = FakeTwilio(tmp_path)
    for key, value in fake.env.items():
        if not key.startswith("TWILIO_"):
            monkeypatch.setenv(key, value)
    return fake


@pytest.fixture
def app_config(fake):
    return {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "test-auth-token", "TWILIO_HTTP_CLIENT": CLIENT_PATH}


def closed_ticket(at: datetime, *, status: str = "closed", recording: bool = False) -> Ticket:
    ticket = make_ticket(
        [("civil_affairs", "lead", "completed")], status=status, at=at, call_sid="CA" + "1" * 30 + str(at.day)
    )
    ticket.closed_at = at if status == "closed" else None
    ticket.updated_at = at
    ticket.child_key, ticket.address_key, ticket.phone_key = "小明", "幸福路1号", "13811112222"
    if recording:
        ticket.recording_sid = "RE" + "a" * 32
        ticket.recording_url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{ticket.recording_sid}"
    db.session.add(Feedback(assignment_id=ticket.assignments[0].id, summary="已走访小明家", final=True, created_at=at))
    author_id = _staff_id()
    db.session.add(Note(ticket_id=ticket.id, author_id=author_id, body="小明的父亲在押", created_at=at))
    db.session.add(
        Attachment(
            ticket_id=ticket.id,
            author_id=author_id,
            filename="小明.png",
            content_type="image/png",
            size=9,
            sha256="0" * 64,
            data=b"\x89PNG\r\n\x1a\n\x00",
            created_at=at,
        )
    )
    db.session.add(
        Call(
            call_sid=ticket.call_sid,
            from_number="+8613811112222",
            status="completed",
            started_at=at,
            ticket_id=ticket.id,
            recording_sid=ticket.recording_sid,
            recording_url=ticket.recording_url,
        )
    )
    db.session.commit()
    return ticket


def _staff_id() -> int:
    found = user("retention-op")
    if found is None:
        found = User(username="retention-op", role="operator", password_hash="-")
        db.session.add(found)
        db.session.flush()
    return found.id


def snapshot(ticket_id: int) -> dict:
    db.session.expire_all()
    t = db.session.get(Ticket, ticket_id)
    return {
        "personal": (t.child_name, t.child_age, t.child_gender, t.address, t.reporter_name, t.reporter_phone),
        "description": t.description,
        "keys": (t.child_key, t.address_key, t.phone_key),
        "recording_url": t.recording_url,
        "kept": (t.number, t.status, t.street_code, t.protection_types, t.urgency, t.created_at, t.closed_at),
        "assignments": [(a.status, a.department_id, a.sign_due_at) for a in t.assignments],
        "feedback": [f.summary for a in t.assignments for f in a.feedback],
        "notes": list(db.session.scalars(sa.select(Note.body).filter_by(ticket_id=t.id))),
        "attachments": list(db.session.scalars(sa.select(Attachment.filename).filter_by(ticket_id=t.id))),
        "calls": [
            (c.from_number, c.recording_url) for c in db.session.scalars(sa.select(Call).filter_by(ticket_id=t.id))
        ],
        "pseudonymised_at": t.pseudonymised_at,
    }


def test_dry_run_changes_nothing_and_says_what_it_would_do(app, flask_cli, fake):
    old = closed_ticket(LONG_AGO)
    before = snapshot(old.id)
    result = flask_cli("hotline", "retention", "--at", AT.isoformat(), "--dry-run", extra_env=fake.env)
    assert result.returncode == 0, result.stderr
    assert "would pseudonymise 1 tickets" in result.stdout and len(result.stdout.strip().splitlines()) == 1
    assert snapshot(old.id) == before
    assert fake.requests() == []


def test_old_closed_and_cancelled_tickets_are_pseudonymised_once(app, flask_cli, fake, login):
    old = closed_ticket(LONG_AGO, recording=True)
    cancelled = closed_ticket(LONG_AGO + timedelta(days=1), status="cancelled")
    recent = closed_ticket(RECENTLY)
    open_old = make_ticket([("civil_affairs", "lead")], at=LONG_AGO)
    kept = {t.id: snapshot(t.id) for t in (old, cancelled)}
    untouched = {t.id: snapshot(t.id) for t in (recent, open_old)}
    supervisor = login("supervisor")
    period = f"/api/v1/stats?from={(LONG_AGO - timedelta(days=5)).date()}&to={(LONG_AGO + timedelta(days=5)).date()}"
    figures = supervisor.get(period).json
    figures.pop("as_of")
    civil = next(d for d in figures["departments"] if d["bureau"] == "civil_affairs")
    assert civil["assigned"]["count"] == 3  # the old tickets are in these figures

    result = flask_cli("hotline", "retention", "--at", AT.isoformat(), extra_env=fake.env)
    assert result.returncode == 0, result.stderr
    assert "pseudonymised 2 tickets" in result.stdout and "1 recordings deleted" in result.stdout

    for ticket_id, before in kept.items():
        after = snapshot(ticket_id)
        assert after["personal"] == (None,) * 6 and after["description"] == REMOVED
        assert after["keys"] == (None, None, None) and after["feedback"] == [REMOVED]
        assert after["notes"] == [REMOVED] and after["attachments"] == []
        assert after["calls"] == [(None, None)] and after["recording_url"] is None
        assert after["kept"] == before["kept"] and after["assignments"] == before["assignments"]
        assert after["pseudonymised_at"] is not None
        events = db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket_id, action="pseudonymise")).all()
        assert len(events) == 1 and "小明" not in json.dumps(events[0].data, ensure_ascii=False)
    for ticket_id, before in untouched.items():
        assert snapshot(ticket_id) == before
    [delete] = [r for r in fake.requests() if r["method"] == "DELETE"]
    assert delete["url"].endswith(f"/Recordings/{'RE' + 'a' * 32}.json")

    after = supervisor.get(period).json
    after.pop("as_of")
    assert after == figures  # the figures do not change

    again = flask_cli("hotline", "retention", "--at", AT.isoformat(), extra_env=fake.env)
    assert "pseudonymised 0 tickets" in again.stdout


def test_a_failed_recording_delete_leaves_that_ticket_whole_and_a_rerun_finishes(app, fake):
    failing = closed_ticket(LONG_AGO, recording=True)
    other = closed_ticket(LONG_AGO + timedelta(days=2))
    before = snapshot(failing.id)
    fake.script({"status": 500})
    summary = run_retention(AT, days=1095, recordings=twilio_client(app))
    assert (summary["tickets"], summary["failed"]) == (1, 1)
    assert snapshot(failing.id) == before  # untouched: its transaction was rolled back
    assert snapshot(other.id)["personal"] == (None,) * 6
    summary = run_retention(AT, days=1095, recordings=twilio_client(app))  # the script is used up: Twilio answers now
    assert (summary["tickets"], summary["failed"], summary["recordings"]) == (1, 0, 1)
    assert snapshot(failing.id)["personal"] == (None,) * 6
    assert "pseudonymised 1 tickets" in summary_line(summary)


def test_the_daily_cron_job_is_scheduled():
    from workers import jobs
    from workers.schedule import SCHEDULE

    assert any(func is jobs.run_retention and options.get("cron") for func, _queue, options in SCHEDULE)


def test_admin_redacts_fields_with_a_reason(app, login):
    admin = login("admin", username="root")
    ticket = closed_ticket(RECENTLY)
    r = admin.post(
        f"/api/v1/tickets/{ticket.id}/redact", json={"fields": ["child", "address"], "reason": "监护人申请更正"}
    )
    assert r.status_code == 200, r.json
    assert r.json["child"] == {"name": None, "age": None, "gender": None} and r.json["location"]["address"] is None
    assert r.json["reporter"]["phone"] == "+8613811112222"
    [event] = db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket.id, action="redact")).all()
    assert event.data == {"fields": ["address", "child"]} and event.reason == "监护人申请更正"
    assert event.actor.username == "root" and "小明" not in json.dumps(event.data, ensure_ascii=False)
    assert (
        admin.post(f"/api/v1/tickets/{ticket.id}/redact", json={"fields": ["shoe_size"], "reason": "x y"}).status_code
        == 422
    )
    assert admin.post(f"/api/v1/tickets/{ticket.id}/redact", json={"fields": ["child"]}).status_code == 422
    assert (
        admin.post("/api/v1/tickets/999999/redact", json={"fields": ["child"], "reason": "不存在"}).status_code == 404
    )
    supervisor = login("supervisor")
    assert (
        supervisor.post(f"/api/v1/tickets/{ticket.id}/redact", json={"fields": ["child"], "reason": "想删"}).status_code
        == 403
    )


def test_corrections_after_dispatch_name_fields_not_values(app, login):
    from tests.api.test_tracking_flow import create

    operator = login("operator")
    ticket = create(operator)
    r = operator.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"child": {"name": "李小华"}, "location": {"address": "幸福路14号"}}
    )
    assert r.status_code == 200, r.json
    assert r.json["child"]["name"] == "李小华" and r.json["status"] == "dispatched"
    [event] = db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket["id"], action="corrected")).all()
    assert sorted(event.data["fields"]) == ["child.name", "location.address"]
    assert "李小华" not in json.dumps(event.data, ensure_ascii=False) and "李小华" not in (event.reason or "")
    refused = operator.patch(f"/api/v1/tickets/{ticket['id']}", json={"urgency": "emergency"})
    assert refused.status_code == 409 and "urgency" in refused.json["errors"]
    closed = closed_ticket(RECENTLY)
    assert (
        operator.patch(f"/api/v1/tickets/{closed.id}", json={"description": "补充说明：孩子已经转学。"}).status_code
        == 409
    )
