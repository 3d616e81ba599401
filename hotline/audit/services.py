"""Writing and reviewing the access log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_request_context, request

from hotline.extensions import db
from hotline.models import AccessLog, Ticket, User
from hotline.pagination import paginate

USER_AGENT_MAX = 300


@dataclass(frozen=True)
class Client:
    """Where a read came from: the client address (after trusted proxies) and its user agent."""

    ip: str | None = None
    user_agent: str | None = None


def current_client() -> Client:
    """The client of the current request; an empty ``Client`` outside a request (CLI, workers)."""
    if not has_request_context():
        return Client()
    agent = request.headers.get("User-Agent") or None
    return Client(ip=request.remote_addr, user_agent=agent[:USER_AGENT_MAX] if agent else None)


def record_access(
    actor: User,
    *,
    via: str,
    now: datetime,
    ticket_id: int | None = None,
    child_id: int | None = None,
    client: Client | None = None,
) -> AccessLog:
    """Record that ``actor`` was shown a ticket's personal fields or a child's file.

    Call it in the same transaction as the read, before the data leaves the service: the
    caller's service commits (a read whose audit row cannot be written is not answered).
    ``via`` says how (``api``, ``web``, ``export``, ``patch``, ``dispatch``, ``call``,
    ``recording``, ``child``, ``attachment``...). ``client`` defaults to the current request's.
    Give one of ``ticket_id``/``child_id`` (or both when a file is read through a ticket).
    """
    if ticket_id is None and child_id is None:
        raise ValueError("record_access needs a ticket_id or a child_id")
    client = client if client is not None else current_client()
    row = AccessLog(
        user_id=actor.id,
        role=actor.role,
        ticket_id=ticket_id,
        child_id=child_id,
        via=via,
        ip=client.ip,
        user_agent=client.user_agent,
        created_at=now,
    )
    db.session.add(row)
    return row


def _local_bounds(start: date | None, end: date | None, timezone: str) -> tuple[datetime | None, datetime | None]:
    tz = ZoneInfo(timezone)
    begin = datetime.combine(start, time.min, tzinfo=tz) if start else None
    finish = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None
    return begin, finish


def _filtered(query: sa.Select, filters: dict[str, Any], tz: str) -> sa.Select:
    """The review's filters on a query over ``AccessLog`` joined to ``User``."""
    if filters.get("ticket_id") is not None:
        query = query.where(AccessLog.ticket_id == filters["ticket_id"])
    if filters.get("child_id") is not None:
        query = query.where(AccessLog.child_id == filters["child_id"])
    if filters.get("user"):
        query = query.where(User.username == filters["user"])
    begin, finish = _local_bounds(filters.get("from_"), filters.get("to"), tz)
    if begin is not None:
        query = query.where(AccessLog.created_at >= begin)
    if finish is not None:
        query = query.where(AccessLog.created_at < finish)
    return query


def list_access_log(filters: dict[str, Any], *, tz: str) -> dict[str, Any]:
    """Reads, newest first, filtered by ticket, child's file, username and local dates (inclusive).

    Each item also carries the reader's ``full_name`` and the ticket's ``number`` (for the review
    page; the API's schema answers the contract's fields)."""
    query = (
        sa.select(AccessLog, User.username, User.full_name, Ticket.number)
        .join(User, User.id == AccessLog.user_id)
        .outerjoin(Ticket, Ticket.id == AccessLog.ticket_id)
    )
    query = _filtered(query, filters, tz).order_by(AccessLog.created_at.desc(), AccessLog.id.desc())
    rows, total = paginate(query, filters["page"], filters["per_page"], scalars=False)
    items = [
        {
            "id": row.id,
            "at": row.created_at,
            "user": username,
            "full_name": full_name,
            "role": row.role,
            "ticket_id": row.ticket_id,
            "ticket_number": number,
            "child_id": row.child_id,
            "via": row.via,
            "ip": row.ip,
            "user_agent": row.user_agent,
        }
        for row, username, full_name, number in rows
    ]
    return {"items": items, "total": total}


def readers(filters: dict[str, Any], *, tz: str, limit: int = 20) -> list[dict[str, Any]]:
    """Who read how much under the same filters, most reads first: a reviewer sees at a glance
    whose reading stands out, then opens that user's reads."""
    count = sa.func.count(AccessLog.id)
    query = sa.select(
        User.username, User.full_name, count.label("reads"), sa.func.max(AccessLog.created_at).label("last_at")
    ).join(User, User.id == AccessLog.user_id)
    query = _filtered(query, filters, tz).group_by(User.id, User.username, User.full_name)
    rows = db.session.execute(query.order_by(count.desc(), User.username).limit(limit)).all()
    return [
        {"user": row.username, "full_name": row.full_name, "reads": row.reads, "last_at": _aware(row.last_at)}
        for row in rows
    ]


def _aware(value: datetime | None) -> datetime | None:
    """``max()`` of a UTC column comes back naive on SQLite."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
