"""The outbox under faults: real worker processes SIGKILLed at random moments while a slow Twilio
answers, the sweep rescuing what they left. Prints messages lost (must be 0) and sent twice.

A kill between Twilio accepting a message and the row being marked ``sent`` cannot be told from
a kill before the request: after the lease the row is sent again. So "sent twice" is at most one
per send in flight at each kill (one per worker thread); "lost" must be 0 whatever the timing.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import psutil
import sqlalchemy as sa
from flask import current_app
from rq import Queue

from hotline import send_queue
from hotline.extensions import db
from hotline.models import Message, MessageKind
from hotline.notify.outbox import add_message, send_job_id
from hotline.notify.services import SWEEP_GRACE, sweep_outbox
from hotline.queues import NOTIFICATIONS, SWEEP, get_redis
from tests.conftest import ROOT
from tests.fakes_twilio import FakeTwilio

MESSAGES = 40
KILLS = 4
LEASE_SECONDS = 2
SEED = 20261201


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "hotline", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (RQ gives the horse a process group of its own)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        family = [worker.pid, *(child.pid for child in psutil.Process(worker.pid).children(recursive=True))]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    worker.wait(30)


def _statuses() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(sa.select(Message.status)))


def _sweep() -> int:
    """The periodic sweep, as it would run once these rows are past its grace period."""
    return sweep_outbox(datetime.now(UTC) + SWEEP_GRACE + timedelta(seconds=1), queue=send_queue(current_app))


def test_sigkill_at_random_points_loses_nothing(app, service_env, tmp_path):
    fake = FakeTwilio(tmp_path)
    env = dict(service_env, **fake.env)
    env.update(
        FAKE_TWILIO_DELAY_MS="250",  # recorded first: a kill while waiting has "sent" unknowingly
        HOTLINE_SEND_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    app.config.update(fake.config)
    for index in range(MESSAGES):
        add_message(f"+86138000{index:05d}", f"【未成年人保护热线】故障演练 {index}", MessageKind.NOTICE)
    db.session.commit()
    queue = Queue(NOTIFICATIONS, connection=get_redis())
    assert queue.count == MESSAGES

    rng = random.Random(SEED)
    kills = 0
    deadline = time.monotonic() + 240
    while kills < KILLS and _statuses()["queued"] and time.monotonic() < deadline:
        worker = _worker(env)
        time.sleep(rng.uniform(1.5, 5.0))  # start-up takes a second or two; then it sends ~4/s
        if worker.poll() is None:
            _kill(worker)
            kills += 1
        time.sleep(LEASE_SECONDS + 0.5)  # the dead sender's lease runs out
        _sweep()
    while _statuses()["queued"] and time.monotonic() < deadline:
        worker = _worker(env)
        worker.wait(120)
        time.sleep(LEASE_SECONDS + 0.5)
        _sweep()

    statuses = _statuses()
    sends = Counter(request["data"]["To"] for request in fake.requests())
    lost = MESSAGES - statuses["sent"]
    twice = sum(1 for count in sends.values() if count > 1)
    print(f"\noutbox fault drill (seed {SEED}): {MESSAGES} messages, {kills} SIGKILLs, lost {lost}, sent twice {twice}")
    assert kills >= 1, "no worker was alive long enough to be killed"
    assert lost == 0, statuses
    assert len(sends) == MESSAGES  # every message reached Twilio
    # A kill interrupts every send in flight: one per worker thread (HOTLINE_WORKER_THREADS).
    in_flight = kills * app.config["HOTLINE_WORKER_THREADS"]
    assert twice <= in_flight
    assert sum(sends.values()) <= MESSAGES + in_flight


def test_a_sweep_never_queues_a_row_twice(app):
    for index in range(5):
        add_message(f"+861380000{index:04d}", f"测试 {index}", MessageKind.NOTICE)
    db.session.commit()
    queue = Queue(NOTIFICATIONS, connection=get_redis())
    assert sorted(queue.job_ids) == sorted(send_job_id(m.id) for m in db.session.scalars(sa.select(Message)))
    assert _sweep() == 0 and _sweep() == 0  # their jobs are still waiting: nothing added
    assert queue.count == 5


def test_an_expired_lease_is_rescued_to_the_front(app):
    rows = [add_message(f"+861380001{index:04d}", f"测试 {index}", MessageKind.NOTICE) for index in range(3)]
    db.session.commit()
    queue = Queue(NOTIFICATIONS, connection=get_redis())
    # The first row's sender died mid-send: its job ran (so it is not waiting) and its lease ran out.
    queue.remove(send_job_id(rows[0].id))
    get_redis().hset(f"rq:job:{send_job_id(rows[0].id)}", "status", "started")
    db.session.execute(
        sa.update(Message)
        .where(Message.id == rows[0].id)
        .values(attempts=1, claimed_until=datetime.now(UTC) - timedelta(seconds=1))
    )
    db.session.commit()
    assert _sweep() == 1
    assert queue.job_ids[0] == send_job_id(rows[0].id)
    assert queue.count == 3


def test_the_sweep_runs_on_its_own_queue():
    from workers.schedule import SCHEDULE

    queues = {func.__name__: queue for func, queue, _options in SCHEDULE}
    assert queues["sweep_outbox"] == SWEEP
    from hotline.queues import QUEUE_NAMES

    assert QUEUE_NAMES[0] == SWEEP  # a worker takes the sweep before any backlog of sends
