"""Deadline arithmetic for sign-for, feedback and escalation times.

This is a pure module: only the standard library, ``zoneinfo`` and ``chinese_calendar``.
It knows nothing about Flask, the database or the reference data; callers pass the policy
dicts from ``reference.toml`` (``[[urgencies]]`` ``sign`` / ``feedback``) and the
``[escalation]`` settings in.

Datetimes
    Every function that takes a ``datetime`` requires an *aware* one and raises
    ``ValueError`` for a naive one. Aware inputs in any zone are accepted; every
    ``datetime`` returned is in UTC (``tzinfo is datetime.UTC``). Calendar questions
    ("which day is it?", "what time does the clock read?") are answered in the IANA
    zone ``tz`` (default ``Asia/Shanghai``), never in UTC: 2026-09-30T17:00Z is
    1 October 01:00 in Shanghai, a National Day holiday.

Working days
    Working days follow the PRC statutory calendar of ``chinese_calendar``, including
    the weekend make-up working days (调休): 2026-02-14 (Saturday) is a working day,
    2026-02-16 (Monday) is not. For a date outside the library's data (it raises
    ``NotImplementedError``; version 1.11.0 covers 2004-2026) the fallback is
    Monday-Friday, and one warning is logged per process.

The working-day rule (``add_working_days``)
    1. Take the local date and time-of-day of ``start`` in ``tz``.
    2. If that date is not a working day, the report is treated as received at
       00:00 local on the next working day (received on a non-working day means
       received at the first instant of the next working day).
    3. Walk forward from that (possibly moved) date one day at a time, counting only
       working days, until ``days`` have been counted. The result is that day at the
       same local time-of-day as the (possibly moved) start.

    So the result always falls on a working day. Examples (Asia/Shanghai, 2026):

    * Wed 11 Mar 10:00 + 1 working day  -> Thu 12 Mar 10:00.
    * Fri 13 Mar 15:30 + 1 working day  -> Mon 16 Mar 15:30.
    * Sat 14 Mar 11:00 + 1 working day  -> Tue 17 Mar 00:00, i.e. the end of Monday.
    * Fri 13 Feb 10:00 + 1 working day  -> Sat 14 Feb 10:00 (make-up Saturday).
    * Sat 7 Feb 12:00 + 6 working days  -> Tue 24 Feb 00:00: moved to Mon 9 Feb 00:00,
      then 10, 11, 12, 13, 14 (make-up) and 24 Feb (after the Spring Festival).
      Note this is 00:00 of the (N+1)th working day after receipt, which is the end of
      the Nth working day only when no non-working day lies between the two: here the
      6th working day after receipt is Sat 14 Feb, and the deadline is not 15 Feb 00:00
      but 24 Feb 00:00.

    ``days=0`` returns ``start`` itself on a working day, and 00:00 of the next working
    day otherwise. Escalation steps such as ``due+1wd`` are
    ``add_working_days(due, 1)``.

    A local time that does not exist on the target day (a DST gap, in zones that have
    one; Asia/Shanghai has none) is resolved as ``zoneinfo`` does for ``fold=0``, i.e.
    shifted forward by the length of the gap.

Clock time (``add_clock``)
    Plain elapsed time: ``minutes``, ``hours`` or ``days`` (one day is 24 hours),
    ignoring weekends, holidays and the local clock.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

__all__ = [
    "DEFAULT_TZ",
    "add_clock",
    "add_working_days",
    "at_fraction",
    "due_at",
    "end_of_quiet_hours",
    "in_quiet_hours",
    "is_working_day",
    "next_local_time",
    "set_calendar_overrides",
    "working_days_between",
]

log = logging.getLogger(__name__)

DEFAULT_TZ = "Asia/Shanghai"

CLOCK_UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}
CALENDARS = ("clock", "working_days")

_HHMM = re.compile(r"(\d{2}):(\d{2})")

# One warning per process when the calendar library has no data for a date.
_fallback_warned = False
_fallback_lock = threading.Lock()


# --- helpers -----------------------------------------------------------------------------


def _aware(value: datetime, name: str) -> datetime:
    """``value`` converted to UTC; ValueError when naive, TypeError when not a datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _parse_hhmm(hhmm: str) -> time:
    match = _HHMM.fullmatch(hhmm) if isinstance(hhmm, str) else None
    if match is None:
        raise ValueError(f"expected a local time as 'HH:MM', got {hhmm!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"expected a local time as 'HH:MM', got {hhmm!r}")
    return time(hour, minute)


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _local_instants(day: date, clock: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the clock in ``zone`` reads ``clock`` on ``day``.

    Usually one; two when the wall time is repeated (DST fall-back); for a wall time that
    does not exist (DST gap) the ``fold=0`` reading, which lies just after the gap.
    """
    instants = []
    for fold in (0, 1):
        instant = datetime.combine(day, clock, tzinfo=zone).replace(fold=fold).astimezone(UTC)
        back = instant.astimezone(zone)
        if back.date() == day and back.time() == clock and instant not in instants:
            instants.append(instant)
    if not instants:
        instants.append(datetime.combine(day, clock, tzinfo=zone).astimezone(UTC))
    return instants


# --- the calendar ------------------------------------------------------------------------


_overrides: dict[date, bool] = {}


def set_calendar_overrides(holidays: list[date] | tuple = (), workdays: list[date] | tuple = ()) -> None:
    """Holidays and make-up working days kept as data (``[calendar]`` in reference.toml).

    They win over the library, so a year the library does not know yet (or a local
    change) is entered as data by the district instead of waiting for a package release.
    """
    table = {day: False for day in holidays}
    table.update({day: True for day in workdays})
    _overrides.clear()
    _overrides.update(table)


def is_working_day(day: date) -> bool:
    """True when ``day`` is a PRC working day (make-up weekend days included).

    ``day`` must be a ``date`` already localised by the caller, not a ``datetime``
    (whose date would silently be taken in its own zone): use the local date in ``tz``.
    Outside the calendar library's data, Monday-Friday, with one warning per process.
    """
    global _fallback_warned
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"is_working_day takes a local date, got {type(day).__name__}")
    override = _overrides.get(day)
    if override is not None:
        return override
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        with _fallback_lock:
            warn, _fallback_warned = not _fallback_warned, True
        if warn:
            log.warning(
                "chinese_calendar has no holiday data for %s (%s); treating Monday-Friday as working days. "
                "Upgrade chinesecalendar once the State Council publishes the schedule.",
                day.isoformat(),
                exc,
            )
        return day.weekday() < 5


def add_working_days(start: datetime, days: int, tz: str = DEFAULT_TZ) -> datetime:
    """The moment ``days`` PRC working days after ``start``, counted in ``tz``.

    Rule (see the module docstring): a start on a non-working day is first moved to 00:00
    local of the next working day; then walk forward counting only working days until
    ``days`` are counted, and keep the (possibly moved) start's local time-of-day.
    Returns UTC.
    """
    start = _aware(start, "start")
    days = _count(days, "days")
    zone = _zone(tz)
    local = start.astimezone(zone)
    day, clock = local.date(), local.time()
    if not is_working_day(day):
        day, clock = _next_working_day(day), time(0, 0)
    for _ in range(days):
        day = _next_working_day(day)
    return datetime.combine(day, clock, tzinfo=zone).replace(fold=local.fold).astimezone(UTC)


def add_clock(start: datetime, amount: int, unit: str) -> datetime:
    """``start`` plus ``amount`` minutes, hours or days of elapsed time (a day is 24 h). UTC."""
    start = _aware(start, "start")
    amount = _count(amount, "amount")
    if unit not in CLOCK_UNITS:
        raise ValueError(f"unit must be one of {', '.join(CLOCK_UNITS)}, got {unit!r}")
    return start + CLOCK_UNITS[unit] * amount


def due_at(start: datetime, policy: Mapping, tz: str = DEFAULT_TZ) -> datetime:
    """The deadline for a sign-for or feedback ``policy`` from ``reference.toml``.

    ``policy`` is ``{"unit": ..., "amount": ..., "calendar": ...}``: ``calendar`` is
    ``"clock"`` (unit ``minutes``, ``hours`` or ``days``) or ``"working_days"`` (unit
    ``days`` only); ``amount`` is a positive integer. Other keys are ignored. Anything
    else raises ValueError.
    """
    if not isinstance(policy, Mapping):
        raise ValueError(f"policy must be a mapping, got {type(policy).__name__}")
    missing = [key for key in ("unit", "amount", "calendar") if key not in policy]
    if missing:
        raise ValueError(f"policy {dict(policy)!r} lacks {', '.join(missing)}")
    unit, amount, calendar = policy["unit"], policy["amount"], policy["calendar"]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"policy amount must be a positive integer, got {amount!r}")
    if calendar == "clock":
        if unit not in CLOCK_UNITS:
            raise ValueError(f"clock policy unit must be one of {', '.join(CLOCK_UNITS)}, got {unit!r}")
        return add_clock(start, amount, unit)
    if calendar == "working_days":
        if unit != "days":
            raise ValueError(f"working_days policy unit must be 'days', got {unit!r}")
        return add_working_days(start, amount, tz)
    raise ValueError(f"policy calendar must be one of {', '.join(CALENDARS)}, got {calendar!r}")


def working_days_between(start: datetime, end: datetime, tz: str = DEFAULT_TZ) -> int:
    """The number of working days among the local dates in (start's date, end's date].

    Dates are taken in ``tz``. Same local date: 0. When ``end`` is earlier than ``start``
    the count is negative: ``working_days_between(a, b) == -working_days_between(b, a)``.
    """
    start = _aware(start, "start")
    end = _aware(end, "end")
    zone = _zone(tz)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    day = first + timedelta(days=1)
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return sign * count


def at_fraction(start: datetime, end: datetime, fraction: float) -> datetime:
    """``start + (end - start) * fraction`` in UTC (e.g. the 75% reminder)."""
    start = _aware(start, "start")
    end = _aware(end, "end")
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not math.isfinite(fraction):
        raise ValueError(f"fraction must be a finite number, got {fraction!r}")
    return start + (end - start) * fraction


# --- the local clock ---------------------------------------------------------------------


def next_local_time(moment: datetime, hhmm: str, tz: str) -> datetime:
    """The first instant at or after ``moment`` when the clock in ``tz`` reads ``hhmm``.

    ``hhmm`` is ``"HH:MM"`` (00:00-23:59) and means HH:MM:00.000000, so a ``moment`` at
    07:00:30 local gives 07:00 of the next day. Returns UTC.
    """
    moment = _aware(moment, "moment")
    clock = _parse_hhmm(hhmm)
    zone = _zone(tz)
    today = moment.astimezone(zone).date()
    for offset in range(-1, 4):
        candidates = [i for i in _local_instants(today + timedelta(days=offset), clock, zone) if i >= moment]
        if candidates:
            return min(candidates)
    raise AssertionError("unreachable: a local time recurs within a few days")  # pragma: no cover


def in_quiet_hours(moment: datetime, start: str = "22:00", end: str = "07:00", tz: str = DEFAULT_TZ) -> bool:
    """True when the local clock at ``moment`` is in [start, end).

    The window may wrap midnight (22:00-07:00: 21:59 no, 22:00 yes, 06:59 yes, 07:00 no).
    ``start == end`` is an empty window (never quiet).
    """
    moment = _aware(moment, "moment")
    begin, finish = _parse_hhmm(start), _parse_hhmm(end)
    now = moment.astimezone(_zone(tz)).time()
    if begin == finish:
        return False
    if begin < finish:
        return begin <= now < finish
    return now >= begin or now < finish


def end_of_quiet_hours(moment: datetime, start: str = "22:00", end: str = "07:00", tz: str = DEFAULT_TZ) -> datetime:
    """``moment`` (in UTC) when it is not in quiet hours, else the next ``end`` local time."""
    moment = _aware(moment, "moment")
    if not in_quiet_hours(moment, start, end, tz):
        return moment
    return next_local_time(moment, end, tz)
