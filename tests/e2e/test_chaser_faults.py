"""The chaser's messages survive faults: a worker killed mid-send, Redis down during a chase.

Real processes throughout: ``rq worker`` processes and ``flask hotline chase-overdue`` runs
against the test database and Redis; Twilio is faked only through the SDK's http_client
seam (tests/factories_chaser.py), which records every message it is asked to send.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from rq import Queue

from hotline import create_app, send_queue
from hotline.escalation.chaser import chase_overdue
from hotline.extensions import db
from hotline.models import Message
from hotline.notify.services import SWEEP_GRACE, sweep_outbox
from hotline.queues import NOTIFICATIONS, get_redis
from hotline.settings import current_settings
from tests.conftest import ROOT
from tests.factories_chaser import (
    HEAD,
    LIAISON,
    SUPERVISOR,
    TWILIO_ENV,
    chase_messages,
    local,
    make_ticket,
    sent_log,
    set_contacts,
    steps,
)

DISPATCHED = local("2026-03-09 14:00")
T0, T1, T2 = local("2026-03-10 08:00"), local("2026-03-10 14:00"), local("2026-03-11 14:00")
CLOSED_PORT = "redis://127.0.0.1:1/0"


def wait_for(condition, timeout: float = 60.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def sweep_later() -> int:
    """The periodic sweep, run once the rows are older than its grace period."""
    return sweep_outbox(datetime.now(UTC) + SWEEP_GRACE + timedelta(seconds=1), queue=send_queue(current_app))


def sends_per_message(messages: list[Message], log_path) -> dict[int, int]:
    db.session.expire_all()
    sent = sent_log(log_path)
    counts = {}
    for message in messages:
        row = db.session.get(Message, message.id)
        counts[message.id] = sum(
            1 for e in sent if e["sid"] == row.provider_sid and e["to"] == row.to and e["body"] == row.body
        )
    return counts


def test_worker_killed_mid_send_the_message_still_goes_once(app, make_user, service_env, run_worker, tmp_path):
    ident = make_ticket(DISPATCHED).assignments[0].id  # before any contact exists: no dispatch SMS
    set_contacts(make_user)
    assert dict(chase_overdue(T0, tz=current_settings().timezone).fired) == {0: 1}
    (message,) = chase_messages(ident)
    assert message.to == LIAISON and Queue(NOTIFICATIONS, connection=get_redis()).count == 1

    log, marker = tmp_path / "twilio.jsonl", tmp_path / "blocked"
    env = dict(
        service_env,
        **TWILIO_ENV,
        CHASER_TWILIO_LOG=str(log),
        CHASER_TWILIO_BLOCK=str(marker),
        HOTLINE_SEND_LEASE_SECONDS="3",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "hotline", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: marker.exists() and marker.read_text().strip()), "the worker never reached the send"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker, mid-send …
        # … and its work horse, which RQ puts in a process group of its own (its pid is in the marker).
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(marker.read_text()), signal.SIGKILL)
    finally:
        worker.wait(30)
    assert worker.returncode == -signal.SIGKILL

    db.session.expire_all()
    row = db.session.get(Message, message.id)
    assert row.status == "queued" and row.attempts == 1 and row.claimed_until is not None
    assert sent_log(log) == []
    # While the dead sender's lease lasts nobody sends; then the sweep hands it to a new worker.
    assert wait_for(lambda: datetime.now(UTC) > row.claimed_until, timeout=30)
    assert sweep_later() == 1
    result = run_worker(
        extra_env={k: v for k, v in env.items() if k in TWILIO_ENV or k.startswith(("CHASER_", "HOTLINE_"))}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sends_per_message([message], log) == {message.id: 1}
    # Running the sweep and a worker again sends nothing more.
    assert sweep_later() == 0
    assert run_worker(extra_env=dict(TWILIO_ENV, CHASER_TWILIO_LOG=str(log))).returncode == 0
    assert len(sent_log(log)) == 1
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "sent"


def test_redis_down_during_a_chase_nothing_is_lost(app, make_user, base_config, flask_cli, run_worker, tmp_path):
    idents = [make_ticket(DISPATCHED - timedelta(minutes=i)).assignments[0].id for i in range(3)]
    set_contacts(make_user)

    # A chaser process whose Redis is gone: the steps and their outbox rows are committed anyway.
    down = flask_cli("hotline", "chase-overdue", "--at", T1.isoformat(), extra_env={"REDIS_URL": CLOSED_PORT})
    assert down.returncode == 0, down.stderr[-3000:]
    assert "level 1: 3" in down.stdout and "6 SMS queued" in down.stdout
    assert "Redis unavailable" in down.stderr
    # The same through the service, in an app whose Redis is gone.
    broken = create_app(dict(base_config, REDIS_URL=CLOSED_PORT))
    with broken.app_context():
        assert dict(chase_overdue(T2, tz=current_settings().timezone).fired) == {2: 3}
        db.session.remove()

    messages = [m for ident in idents for m in chase_messages(ident)]
    # level 1: liaison and head; level 2: the center and, always, the late department's liaison
    assert len(messages) == 12 and {m.status for m in messages} == {"queued"}
    assert sorted({m.to for m in messages}) == sorted([LIAISON, HEAD, SUPERVISOR])
    assert Queue(NOTIFICATIONS, connection=get_redis()).count == 0  # nothing reached the real Redis
    for ident in idents:
        assert steps(ident) == [("sign", 1), ("sign", 2)]

    # Redis is back: the sweep enqueues every row left queued and a worker delivers each once.
    assert sweep_later() == 12
    log = tmp_path / "twilio.jsonl"
    env = dict(TWILIO_ENV, CHASER_TWILIO_LOG=str(log))
    result = run_worker(extra_env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(sends_per_message(messages, log).values()) == {1}
    assert sweep_later() == 0
    assert run_worker(extra_env=env).returncode == 0
    assert len(sent_log(log)) == 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.status != "sent")) == 0


def test_job_logs_carry_the_job_id_and_no_personal_data(app, make_user, run_worker, tmp_path):
    from tests.factories_chaser import ADDRESS, CHILD_NAME, REPORTER_PHONE

    ident = make_ticket(DISPATCHED).assignments[0].id
    set_contacts(make_user)
    chase_overdue(T1, tz=current_settings().timezone)
    job_ids = Queue(NOTIFICATIONS, connection=get_redis()).job_ids
    assert len(job_ids) == 2
    result = run_worker(extra_env=dict(TWILIO_ENV, CHASER_TWILIO_LOG=str(tmp_path / "twilio.jsonl")))
    assert result.returncode == 0
    logs = result.stdout + result.stderr
    for job_id in job_ids:
        assert f"job {job_id} send_message started" in logs
        assert f"job {job_id} send_message finished" in logs
        assert f"[job {job_id}]" in logs
    for secret in (CHILD_NAME, ADDRESS, REPORTER_PHONE):
        assert secret not in logs
    assert {m.status for m in chase_messages(ident)} == {"sent"}
