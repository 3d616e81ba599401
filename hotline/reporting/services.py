"""Reporting services: the figures for a period, as the API, the board and the exports ask them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.reporting.stats import compute_stats


def stats(start: date | None, end: date | None, *, now: datetime, tz: str) -> dict[str, Any]:
    """The figures of ``hotline.reporting.stats`` for ``start``..``end`` (default: this month so far)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    start = start or date(today.year, today.month, 1)
    end = end or max(today, start)
    return compute_stats(start, end, now=now, tz=tz)
