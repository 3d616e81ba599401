"""The escalation ladder (hotline.tickets.ladder): pure, table-driven, no app or database.

Times are written in Asia/Shanghai local time (UTC+8 all year). March 2026 has no public
holidays (Mon-Fri working days); the Spring Festival holiday runs Sun 15 - Mon 23 Feb 2026,
with Sat 14 Feb a make-up working day.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hotline.tickets import ladder as ladder_module
from hotline.tickets.ladder import (
    LadderError,
    digest_day,
    first_look,
    next_escalation_at,
    parse_ladder,
    plan,
    quiet_until,
    watched_deadline,
)

SH = ZoneInfo("Asia/Shanghai")
REFERENCE = Path(__file__).resolve().parents[2] / "hotline" / "data" / "reference.toml"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(UTC)


@pytest.fixture(scope="module")
def ladder():
    with open(REFERENCE, "rb") as fh:
        return parse_ladder(tomllib.load(fh)["escalation"], "Asia/Shanghai")


def assignment(
    status="pending", before=None, dispatched="2026-03-09 09:00", sign="2026-03-10 09:00", feedback="2026-03-16 09:00"
):
    return SimpleNamespace(
        status=status,
        status_before_return=before,
        dispatched_at=local(dispatched),
        sign_due_at=local(sign),
        feedback_due_at=local(feedback),
    )


# --- configuration ------------------------------------------------------------------------


def test_shipped_ladder_is_the_reference_default(ladder):
    assert [(r.level, r.at, r.to) for r in ladder.rungs] == [
        (0, "fraction:0.75", ("liaisons",)),
        (1, "due", ("liaisons", "heads")),
        (2, "due+1wd", ("center",)),
        (3, "due+3wd", ("leading_group",)),
    ]
    assert (ladder.quiet_start, ladder.quiet_end) == ("22:00", "07:00")
    assert parse_ladder(None).rungs == ladder.rungs  # the code default mirrors the data file


@pytest.mark.parametrize(
    "config, field",
    [
        ({"ladder": "nope"}, "escalation.ladder"),
        ({"ladder": [{"level": 0, "at": "soon", "to": ["liaisons"]}]}, "ladder[0].at"),
        ({"ladder": [{"level": 0, "at": "fraction:1.5", "to": ["liaisons"]}]}, "ladder[0].at"),
        ({"ladder": [{"level": 0, "at": "due", "to": ["mayor"]}]}, "ladder[0].to"),
        ({"ladder": [{"level": 0, "at": "due", "to": []}]}, "ladder[0].to"),
        ({"ladder": [{"level": "1", "at": "due", "to": ["heads"]}]}, "ladder[0].level"),
        (
            {"ladder": [{"level": 1, "at": "due", "to": ["heads"]}, {"level": 1, "at": "due+1wd", "to": ["center"]}]},
            "levels",
        ),
        (
            {"ladder": [{"level": 2, "at": "due", "to": ["heads"]}, {"level": 1, "at": "due+1wd", "to": ["center"]}]},
            "levels",
        ),
        (
            {"ladder": [{"level": 1, "at": "due", "to": ["heads"]}], "quiet_hours": {"start": "25:00", "end": "07:00"}},
            "quiet_hours.start",
        ),
        ({"ladder": [{"level": 1, "at": "due", "to": ["heads"]}], "digest_at": "7:30"}, "digest_at"),
    ],
)
def test_bad_configuration_is_refused_naming_the_field(config, field):
    with pytest.raises(LadderError, match=field.replace("[", r"\[").replace("]", r"\]")):
        parse_ladder(config)


# --- rung times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dispatched, due, expected",
    [
        # An ordinary week: reminder at 75% of 24 h (03:00, in quiet hours), then due, +1 and +3 working days.
        (
            "2026-03-09 09:00",
            "2026-03-10 09:00",
            ["2026-03-10 03:00", "2026-03-10 09:00", "2026-03-11 09:00", "2026-03-13 09:00"],
        ),
        # Due on a Friday: the working-day rungs skip the weekend.
        (
            "2026-03-12 15:30",
            "2026-03-13 15:30",
            ["2026-03-13 09:30", "2026-03-13 15:30", "2026-03-16 15:30", "2026-03-18 15:30"],
        ),
        # Spring Festival 2026: Sat 14 Feb is a make-up working day, 15-23 Feb are holidays.
        (
            "2026-02-12 10:00",
            "2026-02-13 10:00",
            ["2026-02-13 04:00", "2026-02-13 10:00", "2026-02-14 10:00", "2026-02-25 10:00"],
        ),
        # A 30-minute emergency sign-for window: the reminder comes 22.5 minutes in.
        (
            "2026-03-09 23:00",
            "2026-03-09 23:30",
            ["2026-03-09 23:22:30", "2026-03-09 23:30", "2026-03-10 23:30", "2026-03-12 23:30"],
        ),
    ],
)
def test_rung_times(ladder, dispatched, due, expected):
    times = [at for _, at in ladder.times(local(dispatched), local(due))]
    assert times == [local(text) for text in expected]


def test_clock_offsets_after_due():
    custom = parse_ladder(
        {
            "ladder": [
                {"level": 1, "at": "due", "to": ["liaisons"]},
                {"level": 2, "at": "due+2h", "to": ["center"]},
                {"level": 3, "at": "due+30m", "to": ["leading_group"]},
            ]
        }
    )
    due = local("2026-03-09 10:00")
    assert [at for _, at in custom.times(due - timedelta(hours=1), due)] == [
        due,
        due + timedelta(hours=2),
        due + timedelta(minutes=30),
    ]


# --- which deadline is watched --------------------------------------------------------------


@pytest.mark.parametrize(
    "status, before, kind",
    [
        ("pending", None, "sign"),
        ("accepted", None, "feedback"),
        ("return_requested", "pending", "sign"),  # the clocks keep running while a return waits
        ("return_requested", "accepted", "feedback"),
        ("return_requested", None, "sign"),
        ("returned", None, None),
        ("completed", None, None),
    ],
)
def test_watched_deadline(status, before, kind):
    row = assignment(status, before)
    watched = watched_deadline(row)
    if kind is None:
        assert watched is None
        assert next_escalation_at(row, local("2026-03-09 10:00"), ladder=parse_ladder(None)) is None
    else:
        assert watched.kind == kind
        assert watched.due_at == (row.sign_due_at if kind == "sign" else row.feedback_due_at)


def test_first_look_is_the_first_rung_of_the_watched_deadline(ladder):
    pending = assignment("pending")
    assert next_escalation_at(pending, local("2026-03-09 09:00"), ladder=ladder) == local("2026-03-10 03:00")
    accepted = assignment("accepted")  # feedback window 9 Mar 09:00 -> 16 Mar 09:00 (168 h): 75% = 126 h
    assert first_look(ladder, accepted) == local("2026-03-14 15:00")


# --- the plan: what one look decides --------------------------------------------------------

T0, T1, T2, T3 = (local(t) for t in ("2026-03-10 03:00", "2026-03-10 09:00", "2026-03-11 09:00", "2026-03-13 09:00"))
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    "now, fired, fire, skipped, next_at, level",
    [
        (T0 - SECOND, set(), None, [], T0, 0),  # nothing before its time
        (T0, set(), 0, [], T1, 0),  # the reminder at 75%
        (T0 + SECOND, {0}, None, [], T1, 0),  # not twice
        (T1 - SECOND, {0}, None, [], T1, 0),
        (T1, {0}, 1, [], T2, 1),  # level 1 at the deadline
        (T1 + SECOND, {0, 1}, None, [], T2, 1),
        (T2, {0, 1}, 2, [], T3, 2),  # level 2 one working day later
        (T3, {0, 1, 2}, 3, [], None, 3),  # level 3 three working days later; the ladder is done
        (T3 + timedelta(days=30), {0, 1, 2, 3}, None, [], None, 3),
        # The chaser was down: only the highest rung due fires, the missed ones are skipped for good.
        (T1 + SECOND, set(), 1, [0], T2, 1),
        (T2, {0}, 2, [1], T3, 2),
        (T3, set(), 3, [0, 1, 2], None, 3),
    ],
)
def test_plan(ladder, now, fired, fire, skipped, next_at, level):
    decided = plan(ladder, local("2026-03-09 09:00"), T1, fired, now)
    assert (decided.fire.level if decided.fire else None) == fire
    assert [r.level for r in decided.skipped] == skipped
    assert decided.next_at == next_at
    assert decided.level == level


def test_a_new_deadline_starts_its_own_ladder(ladder):
    # After an extension the steps fired for the old deadline do not count: the caller keys
    # fired levels by (kind, due_at), so the new deadline starts with none.
    old_due, new_due, now = T1, local("2026-03-12 09:00"), local("2026-03-11 16:00")
    assert plan(ladder, local("2026-03-09 09:00"), old_due, {0, 1, 2}, now).fire is None
    restarted = plan(ladder, local("2026-03-09 09:00"), new_due, set(), now)
    assert restarted.fire.level == 0  # 75% of 9 Mar 09:00 -> 12 Mar 09:00 is 11 Mar 15:00: passed
    assert restarted.next_at == new_due
    assert plan(ladder, local("2026-03-09 09:00"), new_due, {0}, new_due).fire.level == 1


# --- quiet hours and the digest -------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, emergency, expected",
    [
        ("2026-03-09 21:59", False, None),
        ("2026-03-09 22:00", False, "2026-03-10 07:00"),
        ("2026-03-09 23:30", False, "2026-03-10 07:00"),
        ("2026-03-10 03:00", False, "2026-03-10 07:00"),
        ("2026-03-10 06:59", False, "2026-03-10 07:00"),
        ("2026-03-10 07:00", False, None),
        ("2026-03-09 23:30", True, None),  # emergencies never wait
    ],
)
def test_quiet_hours(ladder, moment, emergency, expected):
    assert quiet_until(ladder, local(moment), emergency) == (local(expected) if expected else None)


@pytest.mark.parametrize(
    "moment, expected",
    [
        ("2026-03-10 02:00", None),
        ("2026-03-10 07:29", None),
        ("2026-03-10 07:30", "2026-03-10"),
        ("2026-03-10 21:59", "2026-03-10"),
        ("2026-03-10 22:00", None),
        ("2026-03-10 23:59", None),
    ],
)
def test_digest_day(ladder, moment, expected):
    assert digest_day(ladder, local(moment)) == expected


def test_overdue_seconds():
    assert ladder_module.overdue_seconds(T1, T1 + timedelta(hours=1, seconds=30)) == 3630
    assert ladder_module.overdue_seconds(T1, T1 - timedelta(seconds=5)) == -5
