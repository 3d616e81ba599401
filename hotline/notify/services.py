"""Sending queued messages: idempotent, retried, and visible when they fail."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.exceptions import RedisError

from hotline.extensions import db
from hotline.models import Message, MessageKind, MessageStatus
from hotline.notify import templates
from hotline.notify.outbox import SendQueue, add_message
from hotline.notify.senders import PermanentSendError, Sender, TransientSendError
from hotline.pagination import paginate
from hotline.settings import Settings

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
SWEEP_GRACE = timedelta(seconds=30)


class SendLater(Exception):
    """The provider failed; the job raises this so RQ retries it with backoff."""


def max_attempts(intervals: Sequence[int]) -> int:
    """The first try plus one per retry interval; after that a row is marked failed."""
    return len(intervals) + 1


def _hold_for_retry(message: Message, now: datetime, error: str, intervals: Sequence[int]) -> None:
    """Keep the row claimed until its RQ retry is due, so the sweep does not send it meanwhile."""
    wait = intervals[min(max(message.attempts, 1), len(intervals)) - 1]
    message.last_error = error
    message.claimed_until = now + timedelta(seconds=wait)
    db.session.commit()


def _lease(seconds: int) -> timedelta:
    return timedelta(seconds=seconds) if seconds else LEASE


def _claim(message_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a short lease on a queued row; False if it is sent, failed, or someone holds it."""
    result = db.session.execute(
        sa.update(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.QUEUED,
            sa.or_(Message.claimed_until.is_(None), Message.claimed_until < now),
        )
        .values(claimed_until=now + lease, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def send_message(message_id: int, now: datetime, *, settings: Settings, sender: Sender, queue: SendQueue) -> str:
    """Send one outbox row. Running it twice (or concurrently) sends at most once.

    ``sender`` is the provider's adapter (``hotline.notify.senders.get_sender``), ``queue`` where
    a deferred send goes (``hotline.send_queue``); the retry intervals, the claim's lease and the
    status callback's base URL come from ``settings``."""
    intervals = settings.sms_retry_intervals
    message = db.session.get(Message, message_id)
    if message is None:
        return "missing"
    if message.status != MessageStatus.QUEUED:
        return "already " + message.status
    if message.not_before and message.not_before > now and not message.emergency:
        # This very job is running under the row's job id: the later one gets its own.
        queue.enqueue(message_id, at=message.not_before, suffix="-later")
        return "deferred"
    if message.attempts >= max_attempts(intervals):
        # Every attempt is spent (say the jobs kept dying on an unexpected error): stop here.
        _finish(message, MessageStatus.FAILED, error=message.last_error or "no attempts left")
        log.warning("message %s failed: no attempts left after %s", message_id, message.attempts)
        return "failed"
    if not _claim(message_id, now, _lease(settings.send_lease_seconds)):
        return "claimed elsewhere"
    message = db.session.get(Message, message_id)
    callback = settings.public_url + "/twilio/sms/status"
    try:
        result = sender.send(
            message.to, message.body, status_callback=callback if sender.provider == "twilio" else None
        )
    except PermanentSendError as exc:
        _finish(message, MessageStatus.FAILED, error=str(exc))
        log.warning("message %s failed permanently: %s", message_id, exc)
        return "failed"
    except TransientSendError as exc:
        if message.attempts >= max_attempts(intervals):
            _finish(message, MessageStatus.FAILED, error=str(exc))
            log.warning("message %s failed after %s attempts: %s", message_id, message.attempts, exc)
            return "failed"
        _hold_for_retry(message, now, str(exc), intervals)
        log.info("message %s: attempt %s failed (%s); retrying", message_id, message.attempts, exc)
        raise SendLater(f"message {message_id}: {exc}") from exc
    except Exception as exc:
        # Not a provider answer (a bug, a lost database connection): keep the row for the
        # job's retry or the sweep, and let the job fail visibly with its traceback.
        db.session.rollback()
        message = db.session.get(Message, message_id)
        if message is not None and message.status == MessageStatus.QUEUED:
            _hold_for_retry(message, now, f"unexpected {type(exc).__name__}", intervals)
        raise
    message.provider = result.provider
    message.provider_sid = result.provider_sid
    message.sent_at = now
    _finish(message, MessageStatus.SENT)
    return "sent"


def _finish(message: Message, status: MessageStatus, error: str | None = None) -> None:
    message.status = status
    message.claimed_until = None
    if error:
        message.last_error = error
    db.session.commit()


def sweep_outbox(now: datetime, *, queue: SendQueue, limit: int = 500) -> int:
    """Re-enqueue rows left queued (Redis was down, a sender died). Returns how many.

    Runs every minute on its own queue (``queues.SWEEP``), so a backlog of sends never delays
    it. A row is taken when its lease ran out (its sender died or hung: rows like these come
    first) or when it has been waiting ``SWEEP_GRACE`` without a lease; a row whose job is still
    waiting in RQ is left alone, so a backlog is never queued twice. Rescued rows go to the
    front of the notifications queue: an expired lease is sent again within lease + 60 s.
    """
    expired_first = sa.case((Message.claimed_until.is_(None), 1), else_=0)
    ids = db.session.scalars(
        sa.select(Message.id)
        .where(
            Message.status == MessageStatus.QUEUED,
            Message.created_at < now - SWEEP_GRACE,
            sa.or_(Message.not_before.is_(None), Message.not_before <= now, Message.emergency.is_(True)),
            sa.or_(Message.claimed_until.is_(None), Message.claimed_until < now),
        )
        .order_by(expired_first, Message.id)
        .limit(limit)
    ).all()
    db.session.rollback()  # end the read before talking to Redis
    try:
        waiting = queue.waiting(list(ids))
    except (RedisError, OSError, RuntimeError) as exc:
        log.warning("outbox sweep: Redis unavailable (%s); next sweep tries again", type(exc).__name__)
        return 0
    enqueued = 0
    for ident in ids:
        if ident in waiting:
            continue
        if not queue.enqueue(ident, at_front=True):
            break  # Redis is still down: the next sweep tries again
        enqueued += 1
    return enqueued


# Twilio's message statuses, and how far along each puts a row (a row never moves back).
_DELIVERY = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "failed": MessageStatus.FAILED,
    "undelivered": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}
_PROGRESS = {MessageStatus.QUEUED: 0, MessageStatus.SENT: 1, MessageStatus.DELIVERED: 2, MessageStatus.FAILED: 2}


def update_delivery_status(provider_sid: str, status: str) -> Message | None:
    """Twilio's status callback: sent/delivered/failed/undelivered for a message we sent."""
    message = db.session.scalar(sa.select(Message).filter_by(provider_sid=provider_sid))
    if message is None:
        return None
    new = _DELIVERY.get((status or "").lower())
    # Callbacks may arrive out of order: a late "sent" never undoes "delivered" or "undelivered".
    if new is not None and _PROGRESS[new] > _PROGRESS.get(MessageStatus(message.status), 0):
        message.status = new
        if new == MessageStatus.FAILED:
            message.last_error = f"twilio status {status}"
        db.session.commit()
    return message


def list_messages(filters: dict) -> dict:
    """Outbound SMS, newest first, filtered by ticket, recipient, status and kind."""
    query = sa.select(Message)
    for name in ("ticket_id", "to", "status", "kind"):
        if name in filters:
            query = query.where(getattr(Message, name) == filters[name])
    items, total = paginate(query.order_by(Message.id.desc()), filters["page"], filters["per_page"])
    return {"items": items, "total": total}


def queue_test_message(to: str) -> Message:
    message = add_message(to, templates.render("test"), MessageKind.NOTICE)
    db.session.commit()
    return message
