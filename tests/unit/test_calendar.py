"""Deadline arithmetic in the PRC working-day calendar (hotline.tickets.calendar).

Pure unit tests: no database, no app. Every expected value was worked out by hand and is
written literally. Asia/Shanghai is UTC+8 all year, so a local time is the UTC time plus
eight hours. The 2026 calendar as shipped in chinesecalendar 1.11.0:

* Spring Festival: holiday Sun 15 Feb - Mon 23 Feb; make-up working days Sat 14 Feb and
  Sat 28 Feb. Sat 7 / Sun 8 Feb and Sun 1 Mar are ordinary weekend days.
* Mid-Autumn: holiday Fri 25 - Sun 27 Sep.
* National Day: holiday Thu 1 Oct - Wed 7 Oct; make-up working days Sun 20 Sep and Sat 10 Oct.
* March 2026 has no holidays: Mon-Fri working, Sat/Sun not.
"""

from __future__ import annotations

import logging
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline.tickets import calendar as deadlines
from hotline.tickets.calendar import (
    add_clock,
    add_working_days,
    at_fraction,
    due_at,
    end_of_quiet_hours,
    in_quiet_hours,
    is_working_day,
    next_local_time,
    working_days_between,
)

REFERENCE = Path(__file__).resolve().parents[2] / "hotline" / "data" / "reference.toml"

EMERGENCY_SIGN = {"unit": "minutes", "amount": 30, "calendar": "clock"}
EMERGENCY_FEEDBACK = {"unit": "hours", "amount": 24, "calendar": "clock"}
URGENT_SIGN = {"unit": "hours", "amount": 2, "calendar": "clock"}
URGENT_FEEDBACK = {"unit": "days", "amount": 2, "calendar": "working_days"}
NORMAL_SIGN = {"unit": "days", "amount": 1, "calendar": "working_days"}
NORMAL_FEEDBACK = {"unit": "days", "amount": 5, "calendar": "working_days"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def assert_utc(result: datetime, expected: str) -> None:
    assert result.tzinfo is UTC
    assert result == utc(expected)


@pytest.fixture
def fresh_fallback_warning(monkeypatch):
    """Pretend no fallback warning has been logged yet in this process."""
    monkeypatch.setattr(deadlines, "_fallback_warned", False)


# --- the policies of reference.toml --------------------------------------------------------

# Wed 2026-03-11 10:00 local (02:00Z); Fri 2026-03-13 15:30 local (07:30Z); Sat 2026-03-14 11:00 local (03:00Z).
POLICY_CASES = [
    # ordinary mid-week day
    ("emergency sign, Wed", EMERGENCY_SIGN, "2026-03-11T02:00Z", "2026-03-11T02:30Z"),
    ("emergency feedback, Wed", EMERGENCY_FEEDBACK, "2026-03-11T02:00Z", "2026-03-12T02:00Z"),
    ("urgent sign, Wed", URGENT_SIGN, "2026-03-11T02:00Z", "2026-03-11T04:00Z"),
    ("urgent feedback, Wed -> Fri", URGENT_FEEDBACK, "2026-03-11T02:00Z", "2026-03-13T02:00Z"),
    ("normal sign, Wed -> Thu", NORMAL_SIGN, "2026-03-11T02:00Z", "2026-03-12T02:00Z"),
    ("normal feedback, Wed -> next Wed", NORMAL_FEEDBACK, "2026-03-11T02:00Z", "2026-03-18T02:00Z"),
    # Friday afternoon, across an ordinary weekend
    ("emergency sign, Fri", EMERGENCY_SIGN, "2026-03-13T07:30Z", "2026-03-13T08:00Z"),
    ("emergency feedback, Fri -> Sat (clock)", EMERGENCY_FEEDBACK, "2026-03-13T07:30Z", "2026-03-14T07:30Z"),
    ("urgent sign, Fri", URGENT_SIGN, "2026-03-13T07:30Z", "2026-03-13T09:30Z"),
    ("urgent feedback, Fri -> Tue", URGENT_FEEDBACK, "2026-03-13T07:30Z", "2026-03-17T07:30Z"),
    ("normal sign, Fri -> Mon", NORMAL_SIGN, "2026-03-13T07:30Z", "2026-03-16T07:30Z"),
    ("normal feedback, Fri -> next Fri", NORMAL_FEEDBACK, "2026-03-13T07:30Z", "2026-03-20T07:30Z"),
    # Saturday: clock policies run on, working-day policies start at Mon 00:00 local
    ("emergency sign, Sat", EMERGENCY_SIGN, "2026-03-14T03:00Z", "2026-03-14T03:30Z"),
    ("emergency feedback, Sat", EMERGENCY_FEEDBACK, "2026-03-14T03:00Z", "2026-03-15T03:00Z"),
    ("urgent sign, Sat", URGENT_SIGN, "2026-03-14T03:00Z", "2026-03-14T05:00Z"),
    ("urgent feedback, Sat -> Wed 00:00 local", URGENT_FEEDBACK, "2026-03-14T03:00Z", "2026-03-17T16:00Z"),
    ("normal sign, Sat -> Tue 00:00 local", NORMAL_SIGN, "2026-03-14T03:00Z", "2026-03-16T16:00Z"),
    ("normal feedback, Sat -> Mon 23 00:00 local", NORMAL_FEEDBACK, "2026-03-14T03:00Z", "2026-03-22T16:00Z"),
]


@pytest.mark.parametrize(("case", "policy", "start", "expected"), POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_due_at_policies(case, policy, start, expected):
    assert_utc(due_at(utc(start), policy), expected)


def test_table_covers_every_policy_in_reference_toml():
    data = tomllib.loads(REFERENCE.read_text(encoding="utf-8"))
    shipped = {(u["code"], kind): u[kind] for u in data["urgencies"] for kind in ("sign", "feedback")}
    assert shipped == {
        ("emergency", "sign"): EMERGENCY_SIGN,
        ("emergency", "feedback"): EMERGENCY_FEEDBACK,
        ("urgent", "sign"): URGENT_SIGN,
        ("urgent", "feedback"): URGENT_FEEDBACK,
        ("normal", "sign"): NORMAL_SIGN,
        ("normal", "feedback"): NORMAL_FEEDBACK,
    }


# --- is_working_day -------------------------------------------------------------------------

WORKING_DAY_CASES = [
    (date(2026, 3, 13), True),  # ordinary Friday
    (date(2026, 3, 14), False),  # ordinary Saturday
    (date(2026, 3, 15), False),  # ordinary Sunday
    (date(2026, 2, 13), True),  # Friday before the Spring Festival
    (date(2026, 2, 14), True),  # make-up Saturday
    (date(2026, 2, 15), False),  # Spring Festival starts (Sunday)
    (date(2026, 2, 16), False),  # Monday inside the holiday
    (date(2026, 2, 23), False),  # last day of the holiday, a Monday
    (date(2026, 2, 24), True),  # back to work
    (date(2026, 2, 28), True),  # second make-up Saturday
    (date(2026, 3, 1), False),  # ordinary Sunday
    (date(2026, 9, 20), True),  # make-up Sunday for National Day
    (date(2026, 9, 25), False),  # Mid-Autumn, a Friday
    (date(2026, 9, 30), True),
    (date(2026, 10, 1), False),  # National Day
    (date(2026, 10, 7), False),  # last day of the holiday, a Wednesday
    (date(2026, 10, 8), True),
    (date(2026, 10, 10), True),  # make-up Saturday
    (date(2026, 10, 11), False),  # ordinary Sunday
]


@pytest.mark.parametrize(("day", "expected"), WORKING_DAY_CASES, ids=[d.isoformat() for d, _ in WORKING_DAY_CASES])
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected


def test_is_working_day_refuses_a_datetime():
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 3, 13, 10, 0, tzinfo=UTC))


# --- add_working_days -----------------------------------------------------------------------

WORKING_DAY_ADD_CASES = [
    # (case, start, days, expected); local = UTC + 8 h
    # ordinary weekend
    ("Fri 15:30 +1 -> Mon 15:30", "2026-03-13T07:30Z", 1, "2026-03-16T07:30Z"),
    ("Fri 15:30 +2 -> Tue 15:30", "2026-03-13T07:30Z", 2, "2026-03-17T07:30Z"),
    ("Thu 10:00 +2 -> Mon 10:00", "2026-03-12T02:00Z", 2, "2026-03-16T02:00Z"),
    ("Sun 23:59 +1 -> Tue 00:00 local", "2026-03-15T15:59Z", 1, "2026-03-16T16:00Z"),
    ("Sat +0 -> Mon 00:00 local", "2026-03-14T03:00Z", 0, "2026-03-15T16:00Z"),
    ("Wed +0 -> itself", "2026-03-11T02:00Z", 0, "2026-03-11T02:00Z"),
    ("microseconds kept", "2026-03-11T02:00:00.123456Z", 1, "2026-03-12T02:00:00.123456Z"),
    # Spring Festival 2026
    ("Fri 13 Feb +1 -> make-up Sat 14 Feb", "2026-02-13T02:00Z", 1, "2026-02-14T02:00Z"),
    ("Fri 13 Feb +2 -> Tue 24 Feb", "2026-02-13T02:00Z", 2, "2026-02-24T02:00Z"),
    ("Fri 13 Feb +5 -> Fri 27 Feb", "2026-02-13T02:00Z", 5, "2026-02-27T02:00Z"),
    ("make-up Sat 14 Feb 09:00 +1 -> Tue 24 Feb 09:00", "2026-02-14T01:00Z", 1, "2026-02-24T01:00Z"),
    ("make-up Sat 14 Feb +5 -> make-up Sat 28 Feb", "2026-02-14T01:00Z", 5, "2026-02-28T01:00Z"),
    ("holiday Wed 18 Feb +1 -> Wed 25 Feb 00:00 local", "2026-02-18T06:00Z", 1, "2026-02-24T16:00Z"),
    ("holiday Wed 18 Feb +2 -> Thu 26 Feb 00:00 local", "2026-02-18T06:00Z", 2, "2026-02-25T16:00Z"),
    ("holiday Wed 18 Feb +5 -> Mon 2 Mar 00:00 local", "2026-02-18T06:00Z", 5, "2026-03-01T16:00Z"),
    ("Sat 7 Feb +5 -> make-up Sat 14 Feb 00:00 local", "2026-02-07T04:00Z", 5, "2026-02-13T16:00Z"),
    ("Sat 7 Feb +6 -> Tue 24 Feb 00:00 local", "2026-02-07T04:00Z", 6, "2026-02-23T16:00Z"),
    # Mid-Autumn and National Day 2026
    ("Fri 18 Sep +1 -> make-up Sun 20 Sep", "2026-09-18T02:00Z", 1, "2026-09-20T02:00Z"),
    ("Sat 19 Sep +1 -> Mon 21 Sep 00:00 local", "2026-09-19T02:00Z", 1, "2026-09-20T16:00Z"),
    ("make-up Sun 20 Sep 10:00 +1 -> Mon 21 Sep 10:00", "2026-09-20T02:00Z", 1, "2026-09-21T02:00Z"),
    ("Thu 24 Sep +1 -> Mon 28 Sep (Mid-Autumn)", "2026-09-24T02:00Z", 1, "2026-09-28T02:00Z"),
    ("Thu 24 Sep +2 -> Tue 29 Sep", "2026-09-24T02:00Z", 2, "2026-09-29T02:00Z"),
    ("Wed 30 Sep +1 -> Thu 8 Oct", "2026-09-30T02:00Z", 1, "2026-10-08T02:00Z"),
    ("Wed 30 Sep +2 -> Fri 9 Oct", "2026-09-30T02:00Z", 2, "2026-10-09T02:00Z"),
    ("Wed 30 Sep +3 -> make-up Sat 10 Oct", "2026-09-30T02:00Z", 3, "2026-10-10T02:00Z"),
    ("Wed 30 Sep +5 -> Tue 13 Oct", "2026-09-30T02:00Z", 5, "2026-10-13T02:00Z"),
    ("Fri 9 Oct 16:00 +1 -> make-up Sat 10 Oct 16:00", "2026-10-09T08:00Z", 1, "2026-10-10T08:00Z"),
    ("Sat 10 Oct +1 -> Mon 12 Oct", "2026-10-10T02:00Z", 1, "2026-10-12T02:00Z"),
    # local date differs from the UTC date
    ("30 Sep 17:00Z is 1 Oct 01:00 local: +1 -> Fri 9 Oct 00:00 local", "2026-09-30T17:00Z", 1, "2026-10-08T16:00Z"),
    ("30 Sep 15:59Z is 30 Sep 23:59 local: +1 -> Thu 8 Oct 23:59", "2026-09-30T15:59Z", 1, "2026-10-08T15:59Z"),
    ("7 Oct 16:00Z is Thu 8 Oct 00:00 local: +1 -> Fri 9 Oct 00:00", "2026-10-07T16:00Z", 1, "2026-10-08T16:00Z"),
]


@pytest.mark.parametrize(
    ("case", "start", "days", "expected"), WORKING_DAY_ADD_CASES, ids=[c[0] for c in WORKING_DAY_ADD_CASES]
)
def test_add_working_days(case, start, days, expected):
    assert_utc(add_working_days(utc(start), days), expected)


def test_add_working_days_counts_in_the_given_zone():
    # In UTC, 30 Sep 17:00 is still Wednesday 30 Sep, a working day: +1 -> Thu 8 Oct 17:00 UTC.
    assert_utc(add_working_days(utc("2026-09-30T17:00Z"), 1, tz="UTC"), "2026-10-08T17:00Z")


def test_add_working_days_accepts_any_aware_datetime_and_returns_utc():
    start = datetime(2026, 3, 13, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert_utc(add_working_days(start, 1), "2026-03-16T07:30Z")


@pytest.mark.parametrize("days", [-1, True, 1.0, "1"])
def test_add_working_days_rejects_bad_counts(days):
    with pytest.raises(ValueError):
        add_working_days(utc("2026-03-11T02:00Z"), days)


def test_unknown_zone_is_a_value_error():
    with pytest.raises(ValueError):
        add_working_days(utc("2026-03-11T02:00Z"), 1, tz="Mars/Olympus_Mons")


# --- fallback beyond the library's data -----------------------------------------------------

# 1 Jan 2099 is a Thursday; 3 Jan a Saturday. With no holiday data, Mon-Fri count.
FALLBACK_CASES = [
    (date(2099, 1, 1), True),  # would be New Year's Day, but there is no data
    (date(2099, 1, 2), True),
    (date(2099, 1, 3), False),
    (date(2099, 1, 4), False),
    (date(2099, 1, 5), True),
]


@pytest.mark.parametrize(("day", "expected"), FALLBACK_CASES, ids=[d.isoformat() for d, _ in FALLBACK_CASES])
def test_fallback_is_monday_to_friday(day, expected):
    assert is_working_day(day) is expected


def test_fallback_warns_exactly_once(fresh_fallback_warning, caplog):
    caplog.set_level(logging.WARNING, logger=deadlines.__name__)
    # Fri 2 Jan 2099 10:00 local +1 -> Mon 5 Jan 10:00; +3 -> Wed 7 Jan 10:00.
    assert_utc(add_working_days(utc("2099-01-02T02:00Z"), 1), "2099-01-05T02:00Z")
    assert_utc(add_working_days(utc("2099-01-02T02:00Z"), 3), "2099-01-07T02:00Z")
    assert is_working_day(date(2099, 1, 3)) is False
    assert working_days_between(utc("2099-01-02T02:00Z"), utc("2099-01-09T02:00Z")) == 5
    warnings = [r for r in caplog.records if r.name == deadlines.__name__ and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2099" in warnings[0].getMessage()


def test_no_warning_inside_the_data(fresh_fallback_warning, caplog):
    caplog.set_level(logging.WARNING, logger=deadlines.__name__)
    assert_utc(add_working_days(utc("2026-09-30T02:00Z"), 5), "2026-10-13T02:00Z")
    assert [r for r in caplog.records if r.name == deadlines.__name__] == []


# --- add_clock and due_at -------------------------------------------------------------------

CLOCK_CASES = [
    ("2026-03-11T02:00Z", 30, "minutes", "2026-03-11T02:30Z"),
    ("2026-03-11T02:00Z", 2, "hours", "2026-03-11T04:00Z"),
    ("2026-03-11T02:00Z", 24, "hours", "2026-03-12T02:00Z"),
    ("2026-03-11T02:00Z", 3, "days", "2026-03-14T02:00Z"),
    ("2026-02-14T20:00Z", 30, "minutes", "2026-02-14T20:30Z"),  # 15 Feb 04:00 local, holiday: clock runs on
    ("2026-09-30T23:45Z", 30, "minutes", "2026-10-01T00:15Z"),
    ("2026-03-11T02:00Z", 0, "minutes", "2026-03-11T02:00Z"),
]


@pytest.mark.parametrize(("start", "amount", "unit", "expected"), CLOCK_CASES)
def test_add_clock(start, amount, unit, expected):
    assert_utc(add_clock(utc(start), amount, unit), expected)


@pytest.mark.parametrize(("amount", "unit"), [(1, "weeks"), (1, "seconds"), (-5, "minutes"), (1.5, "hours")])
def test_add_clock_rejects_bad_input(amount, unit):
    with pytest.raises(ValueError):
        add_clock(utc("2026-03-11T02:00Z"), amount, unit)


def test_due_at_working_days_through_the_spring_festival():
    # Fri 13 Feb 10:00 local, normal feedback (5 working days): 14 (make-up), 24, 25, 26, 27 Feb.
    assert_utc(due_at(utc("2026-02-13T02:00Z"), NORMAL_FEEDBACK), "2026-02-27T02:00Z")
    # urgent feedback (2 working days): 14 Feb (make-up), 24 Feb.
    assert_utc(due_at(utc("2026-02-13T02:00Z"), URGENT_FEEDBACK), "2026-02-24T02:00Z")


def test_due_at_passes_the_zone_on():
    assert_utc(due_at(utc("2026-09-30T17:00Z"), NORMAL_SIGN, tz="UTC"), "2026-10-08T17:00Z")
    assert_utc(due_at(utc("2026-09-30T17:00Z"), NORMAL_SIGN), "2026-10-08T16:00Z")


def test_due_at_ignores_extra_keys():
    policy = {"unit": "hours", "amount": 2, "calendar": "clock", "note": "shipped default"}
    assert_utc(due_at(utc("2026-03-11T02:00Z"), policy), "2026-03-11T04:00Z")


BAD_POLICIES = [
    ("working days in hours", {"unit": "hours", "amount": 2, "calendar": "working_days"}),
    ("working days in minutes", {"unit": "minutes", "amount": 30, "calendar": "working_days"}),
    ("unknown unit", {"unit": "weeks", "amount": 1, "calendar": "clock"}),
    ("unknown calendar", {"unit": "days", "amount": 1, "calendar": "lunar"}),
    ("amount as text", {"unit": "days", "amount": "5", "calendar": "working_days"}),
    ("amount zero", {"unit": "minutes", "amount": 0, "calendar": "clock"}),
    ("amount negative", {"unit": "days", "amount": -1, "calendar": "working_days"}),
    ("amount fractional", {"unit": "hours", "amount": 1.5, "calendar": "clock"}),
    ("amount boolean", {"unit": "days", "amount": True, "calendar": "working_days"}),
    ("no calendar", {"unit": "days", "amount": 1}),
    ("no unit", {"amount": 1, "calendar": "clock"}),
    ("no amount", {"unit": "days", "calendar": "working_days"}),
    ("not a mapping", None),
    ("a list", [("unit", "days")]),
]


@pytest.mark.parametrize("policy", [p for _, p in BAD_POLICIES], ids=[c for c, _ in BAD_POLICIES])
def test_due_at_rejects_bad_policies(policy):
    with pytest.raises(ValueError):
        due_at(utc("2026-03-11T02:00Z"), policy)


# --- working_days_between -------------------------------------------------------------------

BETWEEN_CASES = [
    # (case, start, end, expected) counting working days in (start's local date, end's local date]
    ("same day", "2026-03-11T01:00Z", "2026-03-11T09:00Z", 0),
    ("Wed -> Thu", "2026-03-11T02:00Z", "2026-03-12T02:00Z", 1),
    ("Fri -> Mon", "2026-03-13T02:00Z", "2026-03-16T02:00Z", 1),
    ("Wed -> next Wed", "2026-03-11T02:00Z", "2026-03-18T02:00Z", 5),
    ("Fri 13 Feb -> Fri 27 Feb", "2026-02-13T02:00Z", "2026-02-27T02:00Z", 5),
    ("make-up 14 Feb -> 23 Feb: all holiday", "2026-02-14T02:00Z", "2026-02-23T02:00Z", 0),
    ("Sat 7 Feb -> Tue 10 Feb", "2026-02-07T04:00Z", "2026-02-10T02:00Z", 2),
    ("Wed 30 Sep -> Mon 12 Oct", "2026-09-30T02:00Z", "2026-10-12T02:00Z", 4),
    ("Fri 18 Sep -> Mon 21 Sep (make-up Sun)", "2026-09-18T02:00Z", "2026-09-21T02:00Z", 2),
    # 30 Sep 17:00Z is 1 Oct local: (1 Oct, 8 Oct] holds one working day, 8 Oct
    ("local dates, not UTC dates", "2026-09-30T17:00Z", "2026-10-08T02:00Z", 1),
    # 30 Sep 15:59Z -> 30 Sep 16:00Z crosses local midnight into 1 Oct, a holiday
    ("across local midnight into a holiday", "2026-09-30T15:59Z", "2026-09-30T16:00Z", 0),
    # 12 Mar 15:59Z (23:59 Thu) -> 12 Mar 16:00Z (00:00 Fri 13 Mar, working)
    ("across local midnight into a working day", "2026-03-12T15:59Z", "2026-03-12T16:00Z", 1),
    ("reversed is negative", "2026-03-16T02:00Z", "2026-03-11T02:00Z", -3),
]


@pytest.mark.parametrize(("case", "start", "end", "expected"), BETWEEN_CASES, ids=[c[0] for c in BETWEEN_CASES])
def test_working_days_between(case, start, end, expected):
    assert working_days_between(utc(start), utc(end)) == expected


# --- at_fraction ----------------------------------------------------------------------------

FRACTION_CASES = [
    ("2026-03-11T02:00Z", "2026-03-13T02:00Z", 0.75, "2026-03-12T14:00Z"),
    ("2026-03-11T02:00Z", "2026-03-11T02:30Z", 0.75, "2026-03-11T02:22:30Z"),
    ("2026-03-11T02:00Z", "2026-03-11T04:00Z", 0.75, "2026-03-11T03:30Z"),
    ("2026-03-11T02:00Z", "2026-03-12T02:00Z", 0, "2026-03-11T02:00Z"),
    ("2026-03-11T02:00Z", "2026-03-12T02:00Z", 1, "2026-03-12T02:00Z"),
    ("2026-03-11T02:00Z", "2026-03-12T02:00Z", 0.5, "2026-03-11T14:00Z"),
]


@pytest.mark.parametrize(("start", "end", "fraction", "expected"), FRACTION_CASES)
def test_at_fraction(start, end, fraction, expected):
    assert_utc(at_fraction(utc(start), utc(end), fraction), expected)


def test_at_fraction_returns_utc_for_other_zones():
    shanghai = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 3, 11, 10, 0, tzinfo=shanghai)
    end = datetime(2026, 3, 13, 10, 0, tzinfo=shanghai)
    assert_utc(at_fraction(start, end, 0.75), "2026-03-12T14:00Z")


@pytest.mark.parametrize("fraction", [float("nan"), float("inf"), "0.75", None])
def test_at_fraction_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError):
        at_fraction(utc("2026-03-11T02:00Z"), utc("2026-03-12T02:00Z"), fraction)


# --- next_local_time ------------------------------------------------------------------------

NEXT_LOCAL_CASES = [
    # moment 2026-03-11T02:00Z = Wed 10:00 local
    ("2026-03-11T02:00Z", "10:00", "Asia/Shanghai", "2026-03-11T02:00Z"),  # at: itself
    ("2026-03-11T02:00Z", "10:01", "Asia/Shanghai", "2026-03-11T02:01Z"),
    ("2026-03-11T02:00Z", "09:00", "Asia/Shanghai", "2026-03-12T01:00Z"),  # passed: tomorrow
    ("2026-03-11T02:00:30Z", "10:00", "Asia/Shanghai", "2026-03-12T02:00Z"),  # 10:00:30 is past 10:00:00
    ("2026-03-11T02:00Z", "07:00", "Asia/Shanghai", "2026-03-11T23:00Z"),  # Thu 07:00 local
    ("2026-03-11T16:30Z", "00:00", "Asia/Shanghai", "2026-03-12T16:00Z"),  # Thu 00:30 local -> Fri 00:00
    ("2026-03-11T15:30Z", "00:00", "Asia/Shanghai", "2026-03-11T16:00Z"),  # Wed 23:30 local -> Thu 00:00
    ("2026-03-11T02:00Z", "09:00", "UTC", "2026-03-11T09:00Z"),
    # Europe/London goes GMT -> BST at 01:00Z on Sun 29 Mar 2026: 09:00 BST = 08:00Z
    ("2026-03-28T12:00Z", "09:00", "Europe/London", "2026-03-29T08:00Z"),
]


@pytest.mark.parametrize(("moment", "hhmm", "tz", "expected"), NEXT_LOCAL_CASES)
def test_next_local_time(moment, hhmm, tz, expected):
    assert_utc(next_local_time(utc(moment), hhmm, tz), expected)


@pytest.mark.parametrize("hhmm", ["24:00", "12:60", "7:00", "0700", "noon", "", None])
def test_next_local_time_rejects_bad_times(hhmm):
    with pytest.raises(ValueError):
        next_local_time(utc("2026-03-11T02:00Z"), hhmm, "Asia/Shanghai")


# --- quiet hours ----------------------------------------------------------------------------

QUIET_CASES = [
    # default window 22:00-07:00 Asia/Shanghai; local = UTC + 8 h
    ("21:59 local", "2026-03-11T13:59Z", False),
    ("21:59:59 local", "2026-03-11T13:59:59Z", False),
    ("22:00 local", "2026-03-11T14:00Z", True),
    ("23:30 local", "2026-03-11T15:30Z", True),
    ("00:00 local", "2026-03-11T16:00Z", True),
    ("03:00 local", "2026-03-11T19:00Z", True),
    ("06:59 local", "2026-03-11T22:59Z", True),
    ("06:59:59 local", "2026-03-11T22:59:59Z", True),
    ("07:00 local", "2026-03-11T23:00Z", False),
    ("12:00 local", "2026-03-11T04:00Z", False),
    ("23:00Z is 07:00 local, quiet by a UTC reading", "2026-03-12T23:00Z", False),
    ("14:00Z is 22:00 local, not quiet by a UTC reading", "2026-03-12T14:00Z", True),
]


@pytest.mark.parametrize(("case", "moment", "expected"), QUIET_CASES, ids=[c[0] for c in QUIET_CASES])
def test_in_quiet_hours(case, moment, expected):
    assert in_quiet_hours(utc(moment)) is expected


NON_WRAPPING_CASES = [
    ("2026-03-11T04:59Z", False),  # 12:59 local
    ("2026-03-11T05:00Z", True),  # 13:00 local
    ("2026-03-11T05:30Z", True),  # 13:30 local
    ("2026-03-11T06:00Z", False),  # 14:00 local
]


@pytest.mark.parametrize(("moment", "expected"), NON_WRAPPING_CASES)
def test_in_quiet_hours_non_wrapping_window(moment, expected):
    assert in_quiet_hours(utc(moment), "13:00", "14:00") is expected


def test_in_quiet_hours_empty_window_and_other_zone():
    assert in_quiet_hours(utc("2026-03-11T14:00Z"), "22:00", "22:00") is False
    # 14:00Z is 22:00 in Shanghai but 14:00 in UTC
    assert in_quiet_hours(utc("2026-03-11T14:00Z"), tz="UTC") is False
    assert in_quiet_hours(utc("2026-03-11T22:00Z"), tz="UTC") is True


END_OF_QUIET_CASES = [
    ("12:00 local: not quiet, itself", "2026-03-11T04:00Z", "2026-03-11T04:00Z"),
    ("21:59 local: not quiet, itself", "2026-03-11T13:59Z", "2026-03-11T13:59Z"),
    ("22:00 local -> 07:00 next day", "2026-03-11T14:00Z", "2026-03-11T23:00Z"),
    ("23:30 local -> 07:00 next day", "2026-03-11T15:30Z", "2026-03-11T23:00Z"),
    ("Thu 03:00 local -> Thu 07:00", "2026-03-11T19:00Z", "2026-03-11T23:00Z"),
    ("Thu 06:59 local -> Thu 07:00", "2026-03-11T22:59Z", "2026-03-11T23:00Z"),
    ("07:00 local: not quiet, itself", "2026-03-11T23:00Z", "2026-03-11T23:00Z"),
    ("holiday night 1 Oct 23:00 local -> 2 Oct 07:00", "2026-10-01T15:00Z", "2026-10-01T23:00Z"),
]


@pytest.mark.parametrize(("case", "moment", "expected"), END_OF_QUIET_CASES, ids=[c[0] for c in END_OF_QUIET_CASES])
def test_end_of_quiet_hours(case, moment, expected):
    assert_utc(end_of_quiet_hours(utc(moment)), expected)


def test_end_of_quiet_hours_custom_window_and_returns_utc():
    # window 13:00-14:00 local; 13:30 local (05:30Z) -> 14:00 local (06:00Z)
    assert_utc(end_of_quiet_hours(utc("2026-03-11T05:30Z"), "13:00", "14:00"), "2026-03-11T06:00Z")
    local = datetime(2026, 3, 11, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert_utc(end_of_quiet_hours(local), "2026-03-11T04:00Z")


# --- naive datetimes ------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 11, 10, 0)
AWARE = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)

NAIVE_CALLS = [
    ("add_working_days", lambda: add_working_days(NAIVE, 1)),
    ("add_clock", lambda: add_clock(NAIVE, 30, "minutes")),
    ("due_at clock", lambda: due_at(NAIVE, EMERGENCY_SIGN)),
    ("due_at working days", lambda: due_at(NAIVE, NORMAL_SIGN)),
    ("working_days_between start", lambda: working_days_between(NAIVE, AWARE)),
    ("working_days_between end", lambda: working_days_between(AWARE, NAIVE)),
    ("at_fraction start", lambda: at_fraction(NAIVE, AWARE + timedelta(days=1), 0.75)),
    ("at_fraction end", lambda: at_fraction(AWARE, NAIVE, 0.75)),
    ("next_local_time", lambda: next_local_time(NAIVE, "07:00", "Asia/Shanghai")),
    ("in_quiet_hours", lambda: in_quiet_hours(NAIVE)),
    ("end_of_quiet_hours", lambda: end_of_quiet_hours(NAIVE)),
]


@pytest.mark.parametrize("call", [c for _, c in NAIVE_CALLS], ids=[n for n, _ in NAIVE_CALLS])
def test_naive_datetimes_raise(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_calendar_overrides_kept_as_data_win_over_the_library():
    from datetime import date

    from hotline.tickets import calendar as deadlines

    try:
        deadlines.set_calendar_overrides(holidays=[date(2027, 1, 1)], workdays=[date(2026, 12, 26)])
        assert deadlines.is_working_day(date(2027, 1, 1)) is False  # beyond the library: data decides
        assert deadlines.is_working_day(date(2026, 12, 26)) is True  # a Saturday made a working day
        # Thu 31 Dec 2026 10:00 local + 1 working day skips the 1 Jan holiday -> Mon 4 Jan 2027 10:00.
        start = datetime(2026, 12, 31, 2, 0, tzinfo=UTC)
        assert deadlines.add_working_days(start, 1) == datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    finally:
        deadlines.set_calendar_overrides()
