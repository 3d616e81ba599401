"""Pure rules of children's files: states, visit intervals, due dates, ages, match keys.

Standard library only, tested table-driven (tests/unit/test_children_schedule.py). The
defaults by risk are data (``[children]`` in reference.toml, passed in), never code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta

RISKS = ("high", "medium", "low")
VISIT_KINDS = ("home", "phone", "school", "other")
GENDERS = ("male", "female", "unknown")
FILE_STATES = ("open", "closed")
MIN_INTERVAL, MAX_INTERVAL = 1, 365
ADULT_AGE = 18
FUTURE_SLACK_SECONDS = 300  # a phone's clock a little ahead is not "a visit in the future"
# Shipped defaults, used only when the reference data has no [children] table.
DEFAULT_INTERVALS = {"high": 7, "medium": 30, "low": 90}

# The one transition table of a file: action -> state after, per state. A closed file is
# kept (figures, retention) but takes no more visits or changes.
TRANSITIONS: dict[str, dict[str, str]] = {
    "open": {"update": "open", "visit": "open", "link": "open", "close": "closed"},
    "closed": {"link": "closed"},
}


class FileTransitionError(Exception):
    def __init__(self, current: str, action: str):
        super().__init__(f"a {current} file cannot take '{action}'")
        self.current, self.action = current, action
        self.allowed = sorted(TRANSITIONS.get(current, {}))


def next_state(current: str, action: str) -> str:
    """The file's state after ``action``; FileTransitionError when the table does not allow it."""
    try:
        return TRANSITIONS[current][action]
    except KeyError:
        raise FileTransitionError(current, action) from None


def default_interval(risk: str, defaults: Mapping[str, int] | None = None) -> int:
    table = dict(DEFAULT_INTERVALS, **(defaults or {}))
    return int(table[risk])


def next_visit_due(since: datetime, every_days: int) -> datetime:
    """The next visit falls due ``every_days`` after the last visit (or the file's opening)."""
    return since + timedelta(days=every_days)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birth_date_problem(birth: date, today: date) -> str | None:
    """Why ``birth`` cannot be a minor's birth date today, or None."""
    if birth > today:
        return "出生日期不能在未来 birth date is in the future"
    if age_on(birth, today) >= ADULT_AGE:
        return "已满18周岁，不是未成年人 the child would be 18 or older"
    return None


def interval_problem(days: int) -> str | None:
    if not MIN_INTERVAL <= days <= MAX_INTERVAL:
        return f"走访间隔须为 {MIN_INTERVAL}–{MAX_INTERVAL} 天 must be {MIN_INTERVAL} to {MAX_INTERVAL} days"
    return None


_SPACE = re.compile(r"\s+")


def match_key(name: str | None, birth: date | None, street: str | None) -> str | None:
    """The same child in a survey sheet: name (normalised: NFKC, no spaces, casefolded), birth
    date and street. None when any part is missing (such a file is never matched)."""
    if not name or birth is None or not street:
        return None
    clean = _SPACE.sub("", unicodedata.normalize("NFKC", name)).casefold()
    return f"{clean}|{birth.isoformat()}|{street}"[:200]


def is_visit_late(status: str, due: datetime | None, at: datetime) -> bool:
    return status == "open" and due is not None and due <= at
