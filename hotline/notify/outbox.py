"""The notification outbox.

A message is a row written in the same transaction as the change it reports; only after
that transaction commits is a send job enqueued. If Redis is down then, the row stays
``queued`` and the periodic sweep enqueues it later. Nothing is lost either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.extensions import db
from hotline.models import Message, MessageKind
from hotline.queues import NOTIFICATIONS

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


def send_job_id(message_id: int, suffix: str = "") -> str:
    """The RQ job id of a row's send job: derived from the row, so a row has one job at a time
    (re-enqueueing the same id replaces the job instead of adding a second one)."""
    return f"send-message-{message_id}{suffix}"


WAITING = ("queued", "scheduled", "deferred")  # RQ job states that will still run by themselves


@dataclass(frozen=True)
class SendQueue:
    """Where send jobs go: the adapter the edges build (``hotline.send_queue(app)``) and hand to
    the services, with the Redis connection (reached when first used) and the retry intervals of
    a failed send (``Settings.sms_retry_intervals``)."""

    redis: Callable[[], Redis]
    retry_intervals: tuple[int, ...]

    def _retry(self) -> Retry:
        intervals = list(self.retry_intervals)
        return Retry(max=len(intervals), interval=intervals)

    def waiting(self, message_ids: list[int]) -> set[int]:
        """Which of these rows have a send job that is still waiting to run (one Redis round trip)."""
        if not message_ids:
            return set()
        from rq.job import Job

        pipe = self.redis().pipeline(transaction=False)
        for ident in message_ids:
            pipe.hget(Job.key_for(send_job_id(ident)), "status")
        statuses = pipe.execute()
        return {i for i, status in zip(message_ids, statuses, strict=True) if status and status.decode() in WAITING}

    def enqueue(self, message_id: int, at: datetime | None = None, *, at_front: bool = False, suffix: str = "") -> bool:
        """Hand a message to the workers under its row's job id. False (and logged) when Redis
        cannot be reached. ``at_front`` for rows the sweep rescues: they have waited long enough."""
        try:
            queue = Queue(NOTIFICATIONS, connection=self.redis())
            job_id = send_job_id(message_id, suffix)
            if at is not None:
                queue.enqueue_at(at, SEND_JOB, message_id, retry=self._retry(), job_id=job_id)
            else:
                queue.enqueue(SEND_JOB, message_id, retry=self._retry(), job_id=job_id, at_front=at_front)
            return True
        except (RedisError, OSError, RuntimeError) as exc:
            log.warning(
                "message %s stays queued; Redis unavailable (%s); the sweep will send it",
                message_id,
                type(exc).__name__,
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


def enqueue_committed(session: Session, queue: SendQueue) -> None:
    """After a commit: enqueue the messages written in it. The app factory attaches this to the
    app's session with the app's ``SendQueue`` (``hotline._wire_outbox``)."""
    committed = session.info.pop(_FLUSHED, [])
    for position, (ident, not_before) in enumerate(committed):
        if not queue.enqueue(ident, at=not_before):
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
