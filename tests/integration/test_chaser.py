"""The overdue chaser against a real database, real Redis and real worker processes.

A ``normal`` judicial ticket dispatched Monday 9 March 2026 14:00 (Asia/Shanghai) to
public_security must be signed for by Tuesday 14:00 (one working day). Its ladder:
reminder Tue 08:00 (75% of the window), level 1 Tue 14:00, level 2 Wed 11 Mar 14:00
(+1 working day), level 3 Fri 13 Mar 14:00 (+3 working days).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.escalation.chaser import chase_overdue, send_daily_digest
from hotline.extensions import db
from hotline.models import DigestRun, Message, Ticket, TicketEvent
from hotline.settings import current_settings
from hotline.tickets.calendar import next_local_time
from tests.conftest import ROOT
from tests.factories_chaser import (
    ADDRESS,
    CHILD_NAME,
    HEAD,
    LEADING_GROUP,
    LIAISON,
    REPORTER_PHONE,
    SUPERVISOR,
    TWILIO_ENV,
    assignment,
    chase_messages,
    local,
    make_ticket,
    sent_log,
    set_contacts,
    steps,
)
from tests.outbox_helpers import send

DISPATCHED = local("2026-03-09 14:00")
T0, T1, T2, T3 = (local(t) for t in ("2026-03-10 08:00", "2026-03-10 14:00", "2026-03-11 14:00", "2026-03-13 14:00"))
SECOND = timedelta(seconds=1)
# The late department's own liaisons hear of every rung, whoever else the rung names.
LADDER = [
    (T0, 0, {LIAISON}),
    (T1, 1, {LIAISON, HEAD}),
    (T2, 2, {SUPERVISOR, LIAISON}),
    (T3, 3, {LEADING_GROUP, LIAISON}),
]

postgres_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="row locks (FOR UPDATE SKIP LOCKED) are a PostgreSQL feature"
)


def fired_total(result) -> int:
    return sum(result.fired.values())


def twilio_env(tmp_path) -> tuple[dict, object]:
    log = tmp_path / "twilio.jsonl"
    return dict(TWILIO_ENV, CHASER_TWILIO_LOG=str(log)), log


def assert_each_sent_once(messages: list[Message], log_path) -> None:
    """Every chase message is sent, and the fake Twilio saw each exactly once."""
    db.session.expire_all()
    sent = sent_log(log_path)
    by_sid = {}
    for entry in sent:
        by_sid.setdefault(entry["sid"], []).append(entry)
    for message in messages:
        message = db.session.get(Message, message.id)
        assert message.status == "sent", (message.id, message.status, message.last_error)
        assert message.provider == "twilio"
        assert len(by_sid[message.provider_sid]) == 1
        assert by_sid[message.provider_sid][0]["to"] == message.to
        assert by_sid[message.provider_sid][0]["body"] == message.body
    chase_bodies = {m.body for m in messages}
    assert len([e for e in sent if e["body"] in chase_bodies]) == len(messages)


def test_each_rung_fires_at_its_time_nothing_before_nothing_twice(app, make_user, run_worker, tmp_path):
    set_contacts(make_user)
    ticket = make_ticket(DISPATCHED)
    ticket_id, number, ident = ticket.id, ticket.number, ticket.assignments[0].id
    assert assignment(ident).next_escalation_at == T0

    for at, level, phones in LADDER:
        before = len(chase_messages(ident))
        assert fired_total(chase_overdue(at - SECOND, tz=current_settings().timezone)) == 0, (
            f"level {level} fired early"
        )
        assert len(chase_messages(ident)) == before
        result = chase_overdue(at, tz=current_settings().timezone)
        assert dict(result.fired) == {level: 1}
        new = chase_messages(ident)[before:]
        assert sorted(m.to for m in new) == sorted(phones)
        assert all(m.kind == ("reminder" if level == 0 else "escalation") for m in new)
        assert assignment(ident).escalation_level == level
        for again in (at, at + SECOND, at + timedelta(minutes=30)):
            assert fired_total(chase_overdue(again, tz=current_settings().timezone)) == 0
        assert len(chase_messages(ident)) == before + len(phones)

    assert steps(ident) == [("sign", 0), ("sign", 1), ("sign", 2), ("sign", 3)]
    final = assignment(ident)
    assert final.next_escalation_at is None and final.escalation_level == 3
    assert fired_total(chase_overdue(T3 + timedelta(days=60), tz=current_settings().timezone)) == 0
    # Escalation never changes the ticket's status; each step is an event.
    assert db.session.get(Ticket, ticket_id).status == "dispatched"
    actions = db.session.scalars(
        sa.select(TicketEvent.action)
        .where(
            TicketEvent.assignment_id == ident,
            TicketEvent.actor_id.is_(None),
            TicketEvent.action.like("%level%") | (TicketEvent.action == "reminder"),
        )
        .order_by(TicketEvent.id)
    ).all()
    assert actions == ["reminder", "escalation.level1", "escalation.level2", "escalation.level3"]
    messages = chase_messages(ident)
    for message in messages:
        assert number in message.body
        for secret in (CHILD_NAME, ADDRESS, REPORTER_PHONE, "王女士"):
            assert secret not in message.body
    assert "蓝色" in messages[1].body and "橙色" in messages[3].body and "红色" in messages[5].body

    env, log = twilio_env(tmp_path)
    result = run_worker(extra_env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_each_sent_once(messages, log)
    # A second worker run finds nothing left to send.
    assert run_worker(extra_env=env).returncode == 0
    assert_each_sent_once(messages, log)


def test_cli_pass_and_service_pass_share_the_steps(app, make_user, flask_cli, run_worker, tmp_path):
    set_contacts(make_user)
    ident = make_ticket(DISPATCHED).assignments[0].id

    first = flask_cli("hotline", "chase-overdue", "--at", T1.isoformat())
    assert first.returncode == 0, first.stderr[-2000:]
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1
    # The chaser was "down" until the deadline: the reminder is skipped, level 1 fires.
    assert (
        "0 reminders, level 1: 1," in lines[0] and "1 missed rungs skipped" in lines[0] and "2 SMS queued" in lines[0]
    )

    again = flask_cli("hotline", "chase-overdue", "--at", T1.isoformat())
    assert again.returncode == 0 and "0 reminders, no escalations" in again.stdout
    assert fired_total(chase_overdue(T1 + timedelta(minutes=5), tz=current_settings().timezone)) == 0
    # A local time without an offset is HOTLINE_TIMEZONE time.
    level2 = flask_cli("hotline", "chase-overdue", "--at", "2026-03-11T14:00:00")
    assert "level 2: 1" in level2.stdout, level2.stdout + level2.stderr[-2000:]
    assert fired_total(chase_overdue(T2, tz=current_settings().timezone)) == 0
    assert steps(ident) == [("sign", 1), ("sign", 2)]

    bad = flask_cli("hotline", "chase-overdue", "--at", "yesterday")
    assert bad.returncode != 0 and "ISO 8601" in bad.stderr

    env, log = twilio_env(tmp_path)
    assert run_worker(extra_env=env).returncode == 0
    messages = chase_messages(ident)
    assert sorted(m.to for m in messages) == sorted([LIAISON, HEAD, SUPERVISOR, LIAISON])  # level 2: the department too
    assert_each_sent_once(messages, log)


def test_signing_for_switches_to_the_feedback_deadline(app, make_user):
    from hotline.tracking.services import accept_assignment

    set_contacts(make_user)
    ident = make_ticket(DISPATCHED).assignments[0].id
    assert dict(chase_overdue(T0, tz=current_settings().timezone).fired) == {0: 1}
    liaison = make_user("liaison-ps", "liaison", bureau="public_security")
    accept_assignment(ident, actor=liaison, now=T0 + timedelta(hours=1), settings=current_settings())
    row = assignment(ident)
    # Feedback due Mon 16 Mar 14:00 (5 working days); 75% of its 168-hour window: Sat 14 Mar 20:00.
    assert row.feedback_due_at == local("2026-03-16 14:00")
    assert row.next_escalation_at == local("2026-03-14 20:00")
    assert (
        fired_total(chase_overdue(T1, tz=current_settings().timezone)) == 0
        and fired_total(chase_overdue(T3, tz=current_settings().timezone)) == 0
    )
    assert dict(chase_overdue(local("2026-03-16 14:00"), tz=current_settings().timezone).fired) == {1: 1}
    assert steps(ident) == [("sign", 0), ("feedback", 1)]


def test_an_approved_extension_restarts_the_ladder(app, make_user, client, login):
    from hotline.tracking.services import accept_assignment, approve_extension, request_extension

    set_contacts(make_user)
    ident = make_ticket(DISPATCHED).assignments[0].id
    liaison = make_user("liaison-ps", "liaison", bureau="public_security")
    supervisor = make_user("sup-ext", "supervisor")
    accept_assignment(ident, actor=liaison, now=DISPATCHED + timedelta(hours=1), settings=current_settings())
    due = local("2026-03-16 14:00")
    extension = request_extension(
        ident, 3, "需要协调多个部门", actor=liaison, now=due - timedelta(days=1), settings=current_settings()
    )
    extension_id = extension.id
    assert dict(chase_overdue(due, tz=current_settings().timezone).fired) == {
        1: 1
    }  # late: level 1 for the first deadline
    api = login("supervisor")
    item = api.get(f"/api/v1/overdue?at={(due + timedelta(hours=1)).isoformat()}".replace("+", "%2B")).json["items"][0]
    assert (item["assignment_id"], item["escalation_level"], item["kind"]) == (ident, 1, "feedback")

    approve_extension(extension_id, actor=supervisor, now=due + timedelta(hours=1), settings=current_settings())
    row = assignment(ident)
    new_due = local("2026-03-19 14:00")  # three working days later
    assert row.feedback_due_at == new_due
    # The ladder starts again for the new deadline, from its reminder at 75% of the
    # dispatch -> new deadline window (240 h): Tue 17 Mar 02:00. The old ladder is over.
    assert row.next_escalation_at == local("2026-03-17 02:00") and row.escalation_level == 0
    assert (
        api.get("/api/v1/overdue?at=" + (due + timedelta(hours=2)).isoformat().replace("+", "%2B")).json["items"] == []
    )
    assert fired_total(chase_overdue(due + timedelta(hours=2), tz=current_settings().timezone)) == 0
    assert dict(chase_overdue(local("2026-03-17 09:00"), tz=current_settings().timezone).fired) == {0: 1}
    assert assignment(ident).next_escalation_at == new_due
    assert (
        fired_total(chase_overdue(local("2026-03-17 14:00"), tz=current_settings().timezone)) == 0
    )  # old level 2 time: nothing
    assert dict(chase_overdue(new_due, tz=current_settings().timezone).fired) == {1: 1}
    assert [s for s in steps(ident)] == [("feedback", 1), ("feedback", 0), ("feedback", 1)]
    item = api.get("/api/v1/overdue?at=" + (new_due + timedelta(hours=1)).isoformat().replace("+", "%2B")).json[
        "items"
    ][0]
    assert item["escalation_level"] == 1 and item["due_at"] == new_due.astimezone(UTC).isoformat()


def test_quiet_hours_hold_ordinary_messages_until_seven_emergencies_go_now(app, make_user, run_worker, tmp_path):
    set_contacts(make_user)
    # A night to come (so the hold is still in force when the real worker runs).
    night = next_local_time(datetime.now(UTC) + timedelta(days=1), "23:00", "Asia/Shanghai")
    urgent = make_ticket(night - timedelta(hours=3), urgency="urgent").assignments[0].id  # sign due 22:00
    emergency = make_ticket(night - timedelta(hours=1), urgency="emergency").assignments[0].id  # sign due 22:30

    result = chase_overdue(night, tz=current_settings().timezone)
    assert dict(result.fired) == {1: 2} and result.deferred == 2
    seven = next_local_time(night, "07:00", "Asia/Shanghai")
    held, loud = chase_messages(urgent), chase_messages(emergency)
    assert {m.not_before for m in held} == {seven} and not any(m.emergency for m in held)
    assert all(m.not_before is None and m.emergency for m in loud)

    env, log = twilio_env(tmp_path)
    assert run_worker(extra_env=env).returncode == 0
    assert_each_sent_once(loud, log)
    db.session.expire_all()
    assert all(db.session.get(Message, m.id).status == "queued" for m in held)
    # At 07:00 the held messages go (the same send service the worker runs).
    for message in held:
        assert send(message.id, seven - SECOND) == "deferred"
        assert send(message.id, seven) == "sent"


def test_daily_digest_once_per_local_day(app, make_user):
    set_contacts(make_user)
    make_user("sup-2", "supervisor", phone="+8613800000199")
    make_ticket(DISPATCHED)
    make_ticket(DISPATCHED, protection_type="education")  # education (lead) + jiangyuan street office

    assert send_daily_digest(local("2026-03-11 07:29"), tz=current_settings().timezone) == 0
    assert send_daily_digest(local("2026-03-11 07:30"), tz=current_settings().timezone) == 2
    assert send_daily_digest(local("2026-03-11 07:31"), tz=current_settings().timezone) == 0
    assert send_daily_digest(local("2026-03-11 21:00"), tz=current_settings().timezone) == 0
    assert send_daily_digest(local("2026-03-11 23:00"), tz=current_settings().timezone) == 0
    digests = db.session.scalars(sa.select(Message).filter_by(kind="digest")).all()
    assert sorted(m.to for m in digests) == sorted([SUPERVISOR, "+8613800000199"])
    body = digests[0].body
    assert "3月11日" in body and "共3件" in body and "区公安局1件" in body and "区教育局1件" in body
    assert CHILD_NAME not in body
    assert send_daily_digest(local("2026-03-12 07:35"), tz=current_settings().timezone) == 2
    assert [r.day.isoformat() for r in db.session.scalars(sa.select(DigestRun).order_by(DigestRun.day))] == [
        "2026-03-11",
        "2026-03-12",
    ]


@postgres_only
def test_two_chaser_processes_at_once_fire_each_step_once(app, make_user, flask_cli, service_env):
    set_contacts(make_user)
    idents = [make_ticket(DISPATCHED + timedelta(minutes=i)).assignments[0].id for i in range(40)]
    at = T2 + timedelta(hours=1)  # every ticket: level 2 due (lower rungs skipped)
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "hotline",
        "chase-overdue",
        "--at",
        at.isoformat(),
        "--batch-size",
        "3",
    ]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=service_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), "\n".join(err[-3000:] for _, err in outputs)
    counts = [int(out.split("level 2: ")[1].split(",")[0]) if "level 2: " in out else 0 for out, _ in outputs]
    assert sum(counts) == 40
    for ident in idents:
        assert steps(ident) == [("sign", 2)]
        # level 2: the center's supervisor, and the late department's own liaison too
        assert sorted(m.to for m in chase_messages(ident)) == sorted([SUPERVISOR, LIAISON])


@postgres_only
def test_a_row_locked_by_another_chaser_is_skipped_not_waited_for(app, make_user, base_config):
    set_contacts(make_user)
    first, second = (make_ticket(DISPATCHED).assignments[0].id for _ in range(2))
    other = sa.create_engine(base_config["SQLALCHEMY_DATABASE_URI"])
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_lock():
        with other.begin() as conn:  # another chaser, mid-batch, holding the first row
            conn.execute(sa.text("SELECT id FROM assignments WHERE id = :id FOR UPDATE"), {"id": first})
            locked.set()
            release.wait(60)
        done.set()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(30)
        db.session.execute(sa.text("SET lock_timeout = '10s'"))  # a wait would fail, not hang
        result = chase_overdue(T1, tz=current_settings().timezone)
        assert dict(result.fired) == {1: 1} and result.looked == 1
        assert steps(first) == [] and steps(second) == [("sign", 1)]
    finally:
        release.set()
        holder.join(30)
        other.dispose()
    assert done.is_set()
    assert dict(chase_overdue(T1, tz=current_settings().timezone).fired) == {1: 1}
    assert steps(first) == [("sign", 1)] and steps(second) == [("sign", 1)]


def test_returned_and_completed_assignments_are_not_chased(app, make_user):
    from hotline.tracking.services import approve_return, request_return

    set_contacts(make_user)
    ident = make_ticket(DISPATCHED).assignments[0].id
    liaison = make_user("liaison-ps", "liaison", bureau="public_security")
    operator = make_user("op-1", "operator")
    request_return(
        ident, "不属于本部门职责", actor=liaison, now=DISPATCHED + timedelta(hours=1), settings=current_settings()
    )
    # The clock keeps running while the center decides.
    assert dict(chase_overdue(T1, tz=current_settings().timezone).fired) == {1: 1}
    approve_return(ident, actor=operator, now=T1 + timedelta(hours=1), settings=current_settings())
    assert assignment(ident).next_escalation_at is None
    assert fired_total(chase_overdue(T3, tz=current_settings().timezone)) == 0
    assert steps(ident) == [("sign", 1)]


def test_departments_set_contact_command(app, flask_cli):
    from hotline.notify.contacts import department_contacts

    done = flask_cli(
        "hotline",
        "departments",
        "set-contact",
        "leading_group_office",
        "--head",
        "+8613800000601",
        "--head",
        "+8613800000602",
        "--liaison",
        "+8613800000603",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "leading_group_office: heads +8613800000601, +8613800000602; liaisons +8613800000603" in done.stdout
    db.session.expire_all()
    office = department_contacts("leading_group_office")
    assert office.head_phones == ["+8613800000601", "+8613800000602"] and office.liaison_phones == ["+8613800000603"]
    # Only the lists given are replaced.
    assert (
        flask_cli(
            "hotline", "departments", "set-contact", "leading_group_office", "--head", "+8613800000609"
        ).returncode
        == 0
    )
    db.session.expire_all()
    office = department_contacts("leading_group_office")
    assert office.head_phones == ["+8613800000609"] and office.liaison_phones == ["+8613800000603"]
    unknown = flask_cli("hotline", "departments", "set-contact", "nowhere", "--head", "+8613800000601")
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr
    bad = flask_cli("hotline", "departments", "set-contact", "education", "--head", "0123")
    assert bad.returncode != 0 and "E.164" in bad.stderr
    assert flask_cli("hotline", "departments", "set-contact", "education").returncode != 0


def test_requeue_failed_lists_and_requeues_failed_jobs(app, flask_cli, run_worker):
    from rq import Queue

    from hotline.queues import DEFAULT, get_redis

    queue = Queue(DEFAULT, connection=get_redis())
    job = queue.enqueue("workers.jobs.no_such_job", 42)
    assert run_worker().returncode == 0
    assert job.id in queue.failed_job_registry.get_job_ids()

    listed = flask_cli("hotline", "requeue-failed", "--dry-run")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert (
        job.id in listed.stdout
        and "workers.jobs.no_such_job" in listed.stdout
        and "would requeue 1 failed job(s)" in listed.stdout
    )
    assert job.id in queue.failed_job_registry.get_job_ids()

    done = flask_cli("hotline", "requeue-failed")
    assert done.returncode == 0 and "requeued 1 failed job(s)" in done.stdout
    assert queue.failed_job_registry.get_job_ids() == [] and queue.job_ids == [job.id]
    assert "requeued 0 failed job(s)" in flask_cli("hotline", "requeue-failed").stdout
