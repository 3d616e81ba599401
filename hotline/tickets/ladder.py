"""The escalation ladder (催办 → 督办 → 通报): when each rung falls due and which one to take.

Pure: the standard library and the pure calendar module only. The ladder is data (the
``[escalation]`` table of ``reference.toml``, stored by ``flask hotline seed`` in the
``settings`` row ``"escalation"``); :func:`parse_ladder` turns it into a :class:`Ladder`.

A rung's ``at`` is one of
    ``fraction:F``   F (0 < F <= 1) of the window from dispatch to the deadline (the reminder);
    ``due``          the deadline itself;
    ``due+Nwd``      N PRC working days after the deadline (``deadlines.add_working_days``);
    ``due+Nh`` / ``due+Nm``   N hours / minutes of clock time after the deadline.

Which deadline is watched (``hotline.tickets.watched``): the sign-for deadline while the
assignment is ``pending``, the feedback deadline once ``accepted``; a ``return_requested``
assignment keeps the clock of the state it came from (the clocks keep running while the
center decides); ``returned`` and ``completed`` are not chased. The ladder of a deadline is
keyed by (kind, due_at): an approved extension or a reopen gives a new ``due_at``, so the
ladder starts again from its first rung for the new deadline.

Missed rungs (the chaser was down, or a late sign-for/extension put several rungs in the
past at once): only the highest rung that is due fires; the lower ones are skipped and
never fire later. A reminder "due at 09:00" sent at 11:00 would be wrong, and three
notices at once are noise; the highest rung reaches the most senior audience.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hotline.tickets import calendar as deadlines
from hotline.tickets.watched import Watched  # noqa: F401  (Watched re-exported)
from hotline.tickets.watched import watched as watched_deadline

DEFAULT_TZ = deadlines.DEFAULT_TZ
RECIPIENT_GROUPS = ("liaisons", "heads", "center", "leading_group")

# The shipped defaults (REFERENCE.md); used only when the settings row is missing.
DEFAULT_CONFIG: dict[str, Any] = {
    "ladder": [
        {"level": 0, "name": "催办提醒", "name_en": "reminder", "at": "fraction:0.75", "to": ["liaisons"]},
        {"level": 1, "name": "逾期督办", "name_en": "level 1", "at": "due", "to": ["liaisons", "heads"]},
        {"level": 2, "name": "中心督办", "name_en": "level 2", "at": "due+1wd", "to": ["center"]},
        {"level": 3, "name": "领导小组通报", "name_en": "level 3", "at": "due+3wd", "to": ["leading_group"]},
    ],
    "quiet_hours": {"start": "22:00", "end": "07:00"},
    "digest_at": "07:30",
}

_AT = re.compile(r"^(?:fraction:(?P<fraction>\d+(?:\.\d+)?)|due(?:\+(?P<amount>\d+)(?P<unit>wd|h|m))?)$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class LadderError(ValueError):
    """The configured ladder is not usable (named field, readable message)."""


class AssignmentLike(Protocol):
    status: str
    status_before_return: str | None
    sign_due_at: datetime
    feedback_due_at: datetime
    dispatched_at: datetime


@dataclass(frozen=True)
class Rung:
    level: int
    at: str
    to: tuple[str, ...]
    name: str = ""
    name_en: str = ""

    def time(self, start: datetime, due: datetime, tz: str) -> datetime:
        """When this rung falls due for a window ``start`` → ``due`` (UTC)."""
        match = _AT.match(self.at)
        assert match is not None  # checked by parse_ladder
        if match.group("fraction") is not None:
            return deadlines.at_fraction(start, due, float(match.group("fraction")))
        amount, unit = match.group("amount"), match.group("unit")
        if amount is None:
            return deadlines.add_clock(due, 0, "minutes")
        if unit == "wd":
            return deadlines.add_working_days(due, int(amount), tz)
        return deadlines.add_clock(due, int(amount), "hours" if unit == "h" else "minutes")


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[Rung, ...]
    tz: str = DEFAULT_TZ
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    digest_at: str = "07:30"

    def rung(self, level: int) -> Rung:
        return next(r for r in self.rungs if r.level == level)

    def times(self, start: datetime, due: datetime) -> list[tuple[Rung, datetime]]:
        return [(rung, rung.time(start, due, self.tz)) for rung in self.rungs]


@dataclass(frozen=True)
class Plan:
    """What one look at an assignment's watched deadline decides."""

    fire: Rung | None  # the rung to take now (at most one)
    skipped: tuple[Rung, ...]  # lower rungs that were due too and will never fire
    next_at: datetime | None  # when to look again (NULL: the ladder is exhausted)
    level: int  # escalation level reached for this deadline (0 = none; reminders don't count)


def parse_ladder(config: Mapping[str, Any] | None, tz: str = DEFAULT_TZ) -> Ladder:
    """Validate the ``[escalation]`` settings and build the ladder (LadderError if unusable)."""
    config = dict(DEFAULT_CONFIG if not config else config)
    raw = config.get("ladder") or DEFAULT_CONFIG["ladder"]
    if not isinstance(raw, list):
        raise LadderError("escalation.ladder must be a list of rungs")
    rungs: list[Rung] = []
    for index, item in enumerate(raw):
        where = f"escalation.ladder[{index}]"
        if not isinstance(item, Mapping):
            raise LadderError(f"{where} must be a table")
        level, at, to = item.get("level"), item.get("at"), item.get("to")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 9:
            raise LadderError(f"{where}.level must be an integer 0-9, got {level!r}")
        if not isinstance(at, str) or not _AT.match(at):
            raise LadderError(f"{where}.at must be 'fraction:F', 'due' or 'due+N(wd|h|m)', got {at!r}")
        fraction = _AT.match(at).group("fraction")
        if fraction is not None and not 0 < float(fraction) <= 1:
            raise LadderError(f"{where}.at fraction must be in (0, 1], got {fraction}")
        if not isinstance(to, list) or not to or any(group not in RECIPIENT_GROUPS for group in to):
            raise LadderError(f"{where}.to must list recipient groups among {', '.join(RECIPIENT_GROUPS)}, got {to!r}")
        rungs.append(Rung(level, at, tuple(to), str(item.get("name", "")), str(item.get("name_en", ""))))
    levels = [r.level for r in rungs]
    if levels != sorted(set(levels)):
        raise LadderError(f"escalation.ladder levels must be distinct and ascending, got {levels}")
    quiet = config.get("quiet_hours") or DEFAULT_CONFIG["quiet_hours"]
    digest_at = config.get("digest_at") or DEFAULT_CONFIG["digest_at"]
    for name, value in (
        ("quiet_hours.start", quiet.get("start")),
        ("quiet_hours.end", quiet.get("end")),
        ("digest_at", digest_at),
    ):
        if not isinstance(value, str) or not _HHMM.match(value):
            raise LadderError(f"escalation.{name} must be a local time 'HH:MM', got {value!r}")
    return Ladder(tuple(rungs), tz, quiet["start"], quiet["end"], digest_at)


def window_start(assignment: AssignmentLike, due: datetime) -> datetime:
    """The handling clock starts at dispatch (never at sign-for); never after the deadline."""
    start = assignment.dispatched_at or due
    return min(start, due)


def plan(ladder: Ladder, start: datetime, due: datetime, fired: Iterable[int], now: datetime) -> Plan:
    """Decide the step for one deadline, given the levels already fired for it."""
    fired = set(fired)
    highest = max(fired, default=-1)
    times = ladder.times(start, due)
    due_rungs = [rung for rung, at in times if at <= now and rung.level > highest]
    fire = due_rungs[-1] if due_rungs else None
    if fire is not None:
        highest = fire.level
        fired.add(fire.level)
    later = [at for rung, at in times if rung.level > highest]
    escalated = [level for level in fired if level >= 1]
    return Plan(fire, tuple(due_rungs[:-1]), min(later) if later else None, max(escalated, default=0))


def first_look(ladder: Ladder, assignment: AssignmentLike) -> datetime | None:
    """The first rung of the watched deadline's ladder (possibly already past: the chaser
    then sorts out what has fired for this deadline and what is left)."""
    watched = watched_deadline(assignment)
    if watched is None or not ladder.rungs:
        return None
    times = ladder.times(window_start(assignment, watched.due_at), watched.due_at)
    return min(at for _, at in times)


def next_escalation_at(assignment: AssignmentLike, now: datetime, ladder: Ladder) -> datetime | None:
    """When the chaser must next look at ``assignment`` (``transitions.schedule_chase``
    passes the configured ladder in)."""
    return first_look(ladder, assignment)


def quiet_until(ladder: Ladder, moment: datetime, emergency: bool) -> datetime | None:
    """``not_before`` for a message created at ``moment``: the end of quiet hours, or None."""
    if emergency or not deadlines.in_quiet_hours(moment, ladder.quiet_start, ladder.quiet_end, ladder.tz):
        return None
    return deadlines.end_of_quiet_hours(moment, ladder.quiet_start, ladder.quiet_end, ladder.tz)


def digest_day(ladder: Ladder, now: datetime) -> str | None:
    """The local date (ISO) whose daily digest is due at ``now``, or None before its time.

    The digest is due from ``digest_at`` local until quiet hours begin; the caller keeps one
    row per date so it goes out once a day however often this is asked.
    """
    local = now.astimezone(ZoneInfo(ladder.tz))
    if local.strftime("%H:%M") < ladder.digest_at:
        return None
    if deadlines.in_quiet_hours(now, ladder.quiet_start, ladder.quiet_end, ladder.tz):
        return None
    return local.date().isoformat()


def overdue_seconds(due: datetime, at: datetime) -> int:
    return int((at - due) // timedelta(seconds=1))
