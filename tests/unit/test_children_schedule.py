"""The pure rules of children's files, table-driven."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotline.children import schedule


@pytest.mark.parametrize(
    "birth, today, problem",
    [
        (date(2010, 6, 1), date(2026, 12, 1), None),
        (date(2008, 12, 2), date(2026, 12, 1), None),  # 17 until tomorrow
        (date(2008, 12, 1), date(2026, 12, 1), "18"),  # 18 today
        (date(1990, 1, 1), date(2026, 12, 1), "18"),
        (date(2026, 12, 2), date(2026, 12, 1), "future"),
        (date(2026, 12, 1), date(2026, 12, 1), None),  # born today
    ],
)
def test_birth_dates(birth, today, problem):
    found = schedule.birth_date_problem(birth, today)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("days, ok", [(0, False), (1, True), (365, True), (366, False), (-3, False)])
def test_intervals(days, ok):
    assert (schedule.interval_problem(days) is None) is ok


@pytest.mark.parametrize(
    "risk, table, days",
    [("high", None, 7), ("medium", None, 30), ("low", None, 90), ("high", {"high": 3}, 3), ("low", {"high": 3}, 90)],
)
def test_default_interval_by_risk_from_data(risk, table, days):
    assert schedule.default_interval(risk, table) == days


@pytest.mark.parametrize(
    "state, action, after",
    [("open", "visit", "open"), ("open", "close", "closed"), ("open", "update", "open"), ("closed", "link", "closed")],
)
def test_transitions(state, action, after):
    assert schedule.next_state(state, action) == after


@pytest.mark.parametrize("state, action", [("closed", "visit"), ("closed", "close"), ("closed", "update")])
def test_refused_transitions(state, action):
    with pytest.raises(schedule.FileTransitionError) as raised:
        schedule.next_state(state, action)
    assert raised.value.allowed == ["link"]


@pytest.mark.parametrize(
    "a, b, same",
    [
        (("王 小花", date(2016, 5, 4), "jiangyuan"), ("王小花", date(2016, 5, 4), "jiangyuan"), True),
        (("ＡＢＣ", date(2016, 5, 4), "jiangyuan"), ("abc", date(2016, 5, 4), "jiangyuan"), True),
        (("王小花", date(2016, 5, 4), "jiangyuan"), ("王小花", date(2016, 5, 5), "jiangyuan"), False),
        (("王小花", date(2016, 5, 4), "jiangyuan"), ("王小花", date(2016, 5, 4), "zhengcha"), False),
    ],
)
def test_match_keys(a, b, same):
    assert (schedule.match_key(*a) == schedule.match_key(*b)) is same


def test_no_key_without_a_birth_date():
    assert schedule.match_key("王小花", None, "jiangyuan") is None


def test_next_due_and_lateness():
    since = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    due = schedule.next_visit_due(since, 7)
    assert due == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert schedule.is_visit_late("open", due, due)
    assert not schedule.is_visit_late("closed", due, due)
    assert not schedule.is_visit_late("open", None, due)
