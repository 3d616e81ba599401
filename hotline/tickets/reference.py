"""Typed reference data: what an urgency, a protection type and a department mean to the code.

The data lives in ``hotline/data/reference.toml`` (seeded into the database); this module turns
the stored rows into frozen objects once per reference version (``hotline.reference.services``
keeps them per ``reference_version``, the counter every write to the reference data bumps),
so every sender, deadline and list reads the same answer: an urgency's name, its two deadline
policies, which calendar its days count on, whether it is an emergency, and its rank.

Extending: a new urgency is a ``[[urgencies]]`` table in the data file (``emergency = true``
for one that alerts the duty phones and is never held by quiet hours); nothing here changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hotline.tickets.enums import DEFAULT_URGENCY, UrgencyCode

WORKING_DAYS = "working_days"
CLOCK = "clock"
# What an SMS or a page says for a ticket whose urgency is not decided yet.
UNDECIDED_NAME = "未定"
UNDECIDED_NAME_EN = "Undecided"


@dataclass(frozen=True)
class Urgency:
    code: str
    name: str
    name_en: str
    sign: Mapping[str, Any]  # {"unit", "amount", "calendar"}: the sign-for (签收) deadline
    feedback: Mapping[str, Any]  # the feedback (反馈) deadline
    emergency: bool = False
    rank: int = 0  # 0 = most urgent; the order of the data file

    @property
    def calendar(self) -> str:
        """The calendar the handling time (the feedback deadline) counts on: clock or working days."""
        return str(self.feedback.get("calendar", CLOCK))

    @property
    def extension_in_working_days(self) -> bool:
        return extension_in_working_days(self.policy())

    def policy(self) -> dict[str, Mapping[str, Any]]:
        return {"sign": self.sign, "feedback": self.feedback}


@dataclass(frozen=True)
class ProtectionType:
    code: str
    name: str
    name_en: str = ""
    departments: tuple[str, ...] = ()  # responsible departments, in the plan's order


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str = ""
    kind: str = "bureau"  # center|leading_group|bureau|street
    street_code: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Reference:
    """One version of the reference data."""

    version: int | None
    urgencies: Mapping[str, Urgency] = field(default_factory=dict)
    protection_types: Mapping[str, ProtectionType] = field(default_factory=dict)
    departments: Mapping[str, Department] = field(default_factory=dict)

    def urgency(self, code: str | None) -> Urgency | None:
        """The urgency of ``code``; None when it is missing or unknown."""
        return self.urgencies.get(code or "")

    def deadline_urgency(self, code: str | None) -> Urgency:
        """The urgency whose deadlines apply: the ticket's, else the default one."""
        found = self.urgency(code) or self.urgencies.get(DEFAULT_URGENCY)
        if found is None:
            raise LookupError(f"no urgency {code!r} and no default urgency {DEFAULT_URGENCY!r} in the reference data")
        return found

    def urgency_name(self, code: str | None, lang: str = "zh") -> str:
        found = self.urgency(code)
        if found is None:
            return UNDECIDED_NAME_EN if lang == "en" else UNDECIDED_NAME
        return found.name_en if lang == "en" and found.name_en else found.name

    def is_emergency(self, code: str | None) -> bool:
        found = self.urgency(code)
        return found is not None and found.emergency

    def emergency_code(self) -> str | None:
        """The most urgent emergency urgency: what a caller who pressed "a child in danger" gets."""
        found = sorted((u for u in self.urgencies.values() if u.emergency), key=lambda u: u.rank)
        return found[0].code if found else None

    def applied_policy(self, stored: Mapping[str, Any] | None, urgency: str | None) -> Mapping[str, Any]:
        """A ticket's deadline policies: those dispatch applied and the ticket keeps (the matching
        rule's own for its urgency), else its urgency's (a ticket dispatched before they were kept)."""
        return stored or self.deadline_urgency(urgency).policy()

    def rank(self, code: str | None) -> int:
        """Sort key, the data file's order (emergencies first); an undecided urgency ranks with
        the default one, whose deadlines it is held to."""
        found = self.urgency(code) or self.urgencies.get(DEFAULT_URGENCY)
        return found.rank if found is not None else len(self.urgencies)


def extension_in_working_days(policy: Mapping[str, Any]) -> bool:
    """Granted extension days count on the calendar of the feedback deadline: working days, or the clock."""
    return str(policy["feedback"].get("calendar", CLOCK)) == WORKING_DAYS


def build_urgency(code: str, name: str, name_en: str, data: Mapping[str, Any], position: int) -> Urgency:
    """An urgency from its stored row; ``emergency`` defaults to the shipped emergency code."""
    emergency = data.get("emergency")
    if emergency is None:
        emergency = code == UrgencyCode.EMERGENCY
    return Urgency(
        code=code,
        name=name,
        name_en=name_en,
        sign=dict(data.get("sign") or {}),
        feedback=dict(data.get("feedback") or {}),
        emergency=bool(emergency),
        rank=position,
    )


def build_reference(
    version: int | None,
    urgencies: Iterable[Mapping[str, Any]],
    protection_types: Iterable[Mapping[str, Any]],
    departments: Iterable[Mapping[str, Any]],
) -> Reference:
    """Rows as plain mappings (``code``, ``name``, ``name_en``, ``data``, ``position``...) to objects."""
    ordered = sorted(urgencies, key=lambda row: row.get("position", 0))
    return Reference(
        version=version,
        urgencies={
            row["code"]: build_urgency(row["code"], row["name"], row.get("name_en", ""), row.get("data") or {}, rank)
            for rank, row in enumerate(ordered)
        },
        protection_types={
            row["code"]: ProtectionType(
                row["code"],
                row["name"],
                row.get("name_en", ""),
                tuple((row.get("data") or {}).get("departments") or ()),
            )
            for row in protection_types
        },
        departments={
            row["code"]: Department(
                row["code"],
                row["name"],
                row.get("name_en", ""),
                row.get("kind", "bureau"),
                row.get("street_code"),
                row.get("id"),
            )
            for row in departments
        },
    )
