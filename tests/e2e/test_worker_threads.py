"""One worker process sends many SMS at once (threads, no fork per job), each exactly once."""

from __future__ import annotations

import sqlalchemy as sa

from hotline import send_queue
from hotline.extensions import db
from hotline.models import Message, MessageKind
from hotline.notify.outbox import add_message
from tests.e2e import test_outbox_delivery
from tests.fakes_twilio import DELAY_ENV

COUNT = 30
twilio = test_outbox_delivery.twilio  # the fixture: fake Twilio here and in the worker process


def test_one_worker_process_sends_queued_messages_concurrently_and_each_once(app, run_worker, twilio):
    for n in range(COUNT):
        add_message(f"+86137{n:08d}", f"测试短信 {n}", MessageKind.NOTICE)
    db.session.commit()  # enqueues one send job per message, in one pipeline
    ids = list(db.session.scalars(sa.select(Message.id).order_by(Message.id)))
    assert all(send_queue(app).enqueue(ident) for ident in ids[:10])  # duplicate jobs for a third of them

    result = run_worker(extra_env=twilio.env | {DELAY_ENV: "100", "HOTLINE_WORKER_THREADS": "8"}, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]

    requests = twilio.requests()
    assert sorted(r["data"]["To"] for r in requests) == sorted(f"+86137{n:08d}" for n in range(COUNT))
    assert len({r["pid"] for r in requests}) == 1  # all sent by the one worker process, no work horses
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Message)).all()
    assert {(m.status, m.attempts) for m in rows} == {("sent", 1)}
    assert "8 threads" in result.stderr
