"""Report volume for the supervisors' figures: tickets received per week and protection type,
and where the period's tickets stand now.

The period is ``start``..``end``, local dates in HOTLINE_TIMEZONE, both included (the same
bounds as ``hotline.reporting.stats``); a ticket belongs to it by ``created_at``. Weeks start
on Monday, local time; the first and last week may be partial. A ticket counts once, under
its primary protection type (``None`` until an operator sets one, e.g. a voicemail).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import ReferenceCode, Ticket
from hotline.reporting.stats import period_bounds

UNSET = None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_volume(start: date, end: date, *, tz: str) -> dict[str, Any]:
    """``{"weeks": [monday, ...], "series": [{"code", "counts": [n per week]}], "by_status": {status: n},
    "total": n}``. Series follow the protection types' reference order, then the unset ones;
    a type with no ticket in the period is left out."""
    begin, finish = period_bounds(start, end, tz)
    zone = ZoneInfo(tz)
    rows = db.session.execute(
        sa.select(Ticket.created_at, Ticket.primary_protection_type, Ticket.status).where(
            Ticket.created_at >= begin, Ticket.created_at < finish
        )
    ).all()
    weeks: list[date] = []
    monday = week_start(start)
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    index = {week: i for i, week in enumerate(weeks)}
    counts: dict[str | None, list[int]] = {}
    by_status: Counter[str] = Counter()
    for created_at, code, status in rows:
        week = week_start(created_at.astimezone(zone).date())
        counts.setdefault(code, [0] * len(weeks))[index[week]] += 1
        by_status[status] += 1
    order = list(
        db.session.scalars(
            sa.select(ReferenceCode.code).filter_by(kind="protection_type").order_by(ReferenceCode.position)
        )
    )
    codes = (
        [c for c in order if c in counts]
        + sorted(c for c in counts if c not in order and c is not None)
        + ([UNSET] if UNSET in counts else [])
    )
    return {
        "from": start,
        "to": end,
        "weeks": weeks,
        "series": [{"code": code, "counts": counts[code]} for code in codes],
        "by_status": dict(by_status),
        "total": len(rows),
    }
