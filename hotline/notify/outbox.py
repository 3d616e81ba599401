"""The notification outbox.

A message is a row written in the same transaction as the change it reports; only after
that transaction commits is a send job enqueued. If Redis is down then, the row stays
``queued`` and the periodic sweep enqueues it later. Nothing is lost either way.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.config import DEFAULT_SMS_RETRY_INTERVALS
from hotline.extensions import db
from hotline.models import Message, MessageKind
from hotline.queues import NOTIFICATIONS, enqueue

log = logging.getLogger(__name__)
SEND_JOB = "workers.jobs.send_message"
_PENDING = "hotline_outbox_pending"


def add_message(
    to: str,
    body: str,
    kind: MessageKind | str,
    *,
    ticket_id: int | None = None,
    assignment_id: int | None = None,
    emergency: bool = False,
    not_before: datetime | None = None,
) -> Message:
    """Write an outbound SMS into the current transaction; it is enqueued after commit."""
    message = Message(
        to=to,
        body=body,
        kind=str(kind),
        ticket_id=ticket_id,
        assignment_id=assignment_id,
        emergency=emergency,
        not_before=not_before,
    )
    db.session.add(message)
    db.session.info.setdefault(_PENDING, []).append(message)
    return message


def retry_intervals() -> list[int]:
    """Seconds before each retry of a failed send (``HOTLINE_SMS_RETRY_INTERVALS``)."""
    return list(current_app.config.get("HOTLINE_SMS_RETRY_INTERVALS") or DEFAULT_SMS_RETRY_INTERVALS)


def _retry() -> Retry:
    intervals = retry_intervals()
    return Retry(max=len(intervals), interval=intervals)


def send_job_id(message_id: int, suffix: str = "") -> str:
    """The RQ job id of a row's send job: derived from the row, so a row has one job at a time
    (re-enqueueing the same id replaces the job instead of adding a second one)."""
    return f"send-message-{message_id}{suffix}"


WAITING = ("queued", "scheduled", "deferred")  # RQ job states that will still run by themselves


def waiting_jobs(message_ids: list[int]) -> set[int]:
    """Which of these rows have a send job that is still waiting to run (one Redis round trip)."""
    if not message_ids:
        return set()
    from rq.job import Job

    from hotline.queues import get_redis

    pipe = get_redis().pipeline(transaction=False)
    for ident in message_ids:
        pipe.hget(Job.key_for(send_job_id(ident)), "status")
    statuses = pipe.execute()
    return {ident for ident, status in zip(message_ids, statuses, strict=True) if status and status.decode() in WAITING}


def enqueue_send(message_id: int, at: datetime | None = None, *, at_front: bool = False, suffix: str = "") -> bool:
    """Hand a message to the workers under its row's job id. False (and logged) when Redis cannot
    be reached. ``at_front`` for rows the sweep rescues: they have waited long enough already."""
    try:
        job_id = send_job_id(message_id, suffix)
        if at is not None:
            from hotline.queues import get_queue

            get_queue(NOTIFICATIONS).enqueue_at(at, SEND_JOB, message_id, retry=_retry(), job_id=job_id)
        else:
            enqueue(NOTIFICATIONS, SEND_JOB, message_id, retry=_retry(), job_id=job_id, at_front=at_front)
        return True
    except (RedisError, OSError, RuntimeError) as exc:
        log.warning(
            "message %s stays queued; Redis unavailable (%s); the sweep will send it", message_id, type(exc).__name__
        )
        return False


_FLUSHED = "hotline_outbox_flushed"


@event.listens_for(db.session, "after_flush_postexec")
def _note_flushed(session: Session, flush_context) -> None:
    # Ids exist only after a flush, and attributes are expired after commit: note them here.
    pending = session.info.get(_PENDING)
    if not pending:
        return
    flushed = session.info.setdefault(_FLUSHED, [])
    for message in list(pending):
        if message.id is not None:
            flushed.append((message.id, message.not_before))
            pending.remove(message)


@event.listens_for(db.session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    committed = session.info.pop(_FLUSHED, [])
    for position, (ident, not_before) in enumerate(committed):
        if not enqueue_send(ident, at=not_before):
            # Redis is down: do not wait on it once per message; the sweep sends them all.
            log.warning(
                "%s more message(s) of this transaction stay queued for the sweep", len(committed) - position - 1
            )
            break


@event.listens_for(db.session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint: ids noted inside it are simply "missing" to the send job
    session.info.pop(_PENDING, None)
    session.info.pop(_FLUSHED, None)
