"""Public reports and the reporter's look-up (web form, API and the phone menu's 3).

A report from the public lands as a ``new`` ticket (channel ``web``) with the rules' suggestion
attached; an operator completes and dispatches it. The reporter gets a 10-digit tracking code
and a 6-digit secret, and can later read the public notes of the ticket's events: plain
Chinese written for the reporter, never a child's, reporter's or staff member's name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError

from hotline.errors import NotFound
from hotline.extensions import db
from hotline.intake.schemas import ReportCreateSchema  # noqa: F401  (the web form loads reports with it)
from hotline.intake.tickets import create_ticket, hash_secret, verify_secret
from hotline.models import Channel, Ticket, TicketEvent
from hotline.settings import Settings

log = logging.getLogger(__name__)

# At most this many wrong secrets per tracking code in the window (web, API and voice together).
LOCKOUT_TRIES = 5
LOCKOUT_WINDOW = timedelta(hours=24)
NOT_FOUND = "未找到该报告，或查询密码不正确 no report with this tracking code and secret"
STATUS_LABELS = {
    "new": "已受理",
    "dispatched": "已转交相关部门",
    "in_progress": "办理中",
    "awaiting_verification": "办理完毕，审核中",
    "closed": "已办结",
    "cancelled": "已撤销",
}
_DUMMY_CODE = "0" * 10
_DUMMY_HASH = "0" * 64


def submit_report(data: dict[str, Any], *, now: datetime, settings: Settings) -> tuple[Ticket, str]:
    """A public report becomes a ``new`` web ticket; returns it and the reporter's secret."""
    data = dict(data)
    reporter = dict(data.get("reporter") or {})
    if reporter.get("anonymous"):
        # An anonymous reporter is not identified anywhere: what they typed is not kept.
        reporter.update(name=None, phone=None)
    data["reporter"] = reporter
    data.pop("call_sid", None)
    return create_ticket(data, channel=Channel.WEB.value, actor=None, now=now, auto_dispatch=False, settings=settings)


def _failures_key(code: str) -> str:
    return "hotline:lookup-failures:" + hashlib.sha256(code.encode()).hexdigest()[:32]


def _locked_out(redis: Redis, code: str, now: datetime) -> bool:
    """True while the code has had ``LOCKOUT_TRIES`` wrong secrets within ``LOCKOUT_WINDOW``
    (counted in Redis, so across web, API and voice and whatever the client). Without Redis
    the look-up fails closed: a reporter can retry later, a guesser gets nothing."""
    try:
        key = _failures_key(code)
        redis.zremrangebyscore(key, 0, now.timestamp() - LOCKOUT_WINDOW.total_seconds())
        return redis.zcard(key) >= LOCKOUT_TRIES
    except RedisError:
        log.warning("look-up lockout unavailable (Redis): refusing look-ups")
        return True


def _count_failure(redis: Redis, code: str, now: datetime) -> None:
    try:
        key = _failures_key(code)
        pipe = redis.pipeline()
        pipe.zadd(key, {f"{now.timestamp()}:{secrets.token_hex(4)}": now.timestamp()})
        pipe.expire(key, int(LOCKOUT_WINDOW.total_seconds()))
        pipe.execute()
    except RedisError:
        log.warning("could not count a failed look-up (Redis)")


def find_report(
    tracking_code: str | None, secret: str | None, *, settings: Settings, redis: Redis, now: datetime | None = None
) -> Ticket | None:
    """The ticket when both code and secret match, else None; about as slow either way.
    ``redis`` (the edge's connection) counts the wrong secrets.

    Every wrong secret counts against the code; after ``LOCKOUT_TRIES`` in ``LOCKOUT_WINDOW``
    the code answers as unknown even with the right secret, until the window passes."""
    now = now or datetime.now(UTC)
    code = (tracking_code or "").strip()
    well_formed = len(code) == 10 and code.isdigit()
    ticket = None
    if well_formed and not _locked_out(redis, code, now):
        ticket = db.session.scalar(sa.select(Ticket).filter_by(tracking_code=code))
    if ticket is None:
        # Spend the same keyed hash on an unknown code, so timing does not tell codes apart.
        hmac.compare_digest(hash_secret(_DUMMY_CODE, str(secret or ""), key=settings.secret_key), _DUMMY_HASH)
    elif verify_secret(ticket, secret, key=settings.secret_key):
        return ticket
    if well_formed:
        _count_failure(redis, code, now)
    return None


def public_updates(ticket: Ticket) -> list[dict[str, Any]]:
    """The events written for the reporter, oldest first, each with the ticket's status then."""
    status = "new"
    updates = []
    events = db.session.scalars(
        sa.select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    for event in events:
        if event.assignment_id is None and event.to_status:
            status = event.to_status
        if event.public_note:
            updates.append({"at": event.created_at, "status": status, "note": event.public_note})
    return updates


def lookup_report(
    tracking_code: str | None, secret: str | None, *, settings: Settings, redis: Redis, now: datetime | None = None
) -> dict[str, Any]:
    """The reporter's view of a report; NotFound (the same one) for an unknown code or a wrong secret."""
    ticket = find_report(tracking_code, secret, settings=settings, redis=redis, now=now)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return {
        "tracking_code": ticket.tracking_code,
        "status": ticket.status,
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "updates": public_updates(ticket),
    }
