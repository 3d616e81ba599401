"""Who the ladder's SMS reach: department contacts kept as data.

A department's liaisons are its ``liaison_phones`` plus the phones of its active liaison
users; its heads are ``head_phones``. The protection center's supervisors ("center") are
the active users with role supervisor plus the ``protection_center`` department's
contacts. The leading group office ("leading_group") is the ``leading_group_office``
department's head and liaison phones plus any active user of that department with a phone.
Contacts are set with ``flask hotline departments set-contact`` or
``PUT /api/v1/departments/<code>/contacts``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from hotline.errors import NotFound, ValidationError
from hotline.extensions import db
from hotline.models import Department, Role, User

CENTER = "protection_center"
LEADING_GROUP = "leading_group_office"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _unique(phones: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(p for p in phones if p))


@dataclass(frozen=True)
class Reach:
    """The phones a notice goes to and, for the timeline and the board, which groups they were.

    The department concerned hears of it itself, always (its liaisons). The notice's own
    audience (a ladder rung's ``to`` groups, or for a dispatch the department's liaisons) is
    next; if that audience has no phone at all, the protection center's office contacts are
    told instead, and failing those the supervisors with a phone. ``phones`` empty means the
    notice reached nobody: a setup warning (``hotline check``), never a silent "sent".
    """

    phones: list[str]
    groups: tuple[str, ...]  # liaisons, heads, center, leading_group, center_office, supervisors
    fallback: str | None  # center_office|supervisors when the intended audience had no phone

    def as_data(self) -> dict:
        return {"recipients": len(self.phones), "reached": list(self.groups), "fallback": self.fallback}


class Directory:
    """Every contact a chaser pass may need, loaded once (a handful of small queries)."""

    def __init__(self) -> None:
        self.departments = {d.id: d for d in db.session.scalars(sa.select(Department))}
        self.by_code = {d.code: d for d in self.departments.values()}
        self.user_phones: dict[tuple[str, int | None], list[str]] = defaultdict(list)
        rows = db.session.execute(
            sa.select(User.role, User.department_id, User.phone).where(User.active.is_(True), User.phone.is_not(None))
        )
        for role, department_id, phone in rows:
            self.user_phones[(role, department_id)].append(phone)
            self.user_phones[(role, None)].append(phone)
            self.user_phones[("*", department_id)].append(phone)

    def _department(self, code: str) -> Department | None:
        return self.by_code.get(code)

    def liaisons(self, department: Department) -> list[str]:
        return _unique([*(department.liaison_phones or []), *self.user_phones[(Role.LIAISON, department.id)]])

    def heads(self, department: Department) -> list[str]:
        return _unique(department.head_phones or [])

    def center(self) -> list[str]:
        office = self._department(CENTER)
        office_phones = [*(office.head_phones or []), *(office.liaison_phones or [])] if office else []
        return _unique([*self.user_phones[(Role.SUPERVISOR, None)], *office_phones])

    def leading_group(self) -> list[str]:
        office = self._department(LEADING_GROUP)
        if office is None:
            return []
        return _unique(
            [*(office.head_phones or []), *(office.liaison_phones or []), *self.user_phones[("*", office.id)]]
        )

    def center_office(self) -> list[str]:
        office = self._department(CENTER)
        return _unique([*(office.head_phones or []), *(office.liaison_phones or [])]) if office else []

    def supervisors(self) -> list[str]:
        return _unique(self.user_phones[(Role.SUPERVISOR, None)])

    def reach(self, groups: Iterable[str], department: Department | None) -> Reach:
        """Who a notice about ``department`` actually reaches (see :class:`Reach`)."""
        groups = tuple(groups)
        reached: dict[str, list[str]] = {}
        own = self.liaisons(department) if department is not None else []
        if own:
            reached["liaisons"] = own
        intended = [group for group in groups if self.phones((group,), department)]
        for group in intended:
            reached.setdefault(group, self.phones((group,), department))
        fallback = None
        if not intended:
            for name, phones in (("center_office", self.center_office()), ("supervisors", self.supervisors())):
                if phones:
                    reached[name], fallback = phones, name
                    break
        return Reach(_unique(p for phones in reached.values() for p in phones), tuple(reached), fallback)

    def phones(self, groups: Iterable[str], department: Department | None) -> list[str]:
        """The phones of the named recipient groups, each once, in group order."""
        found: list[str] = []
        for group in groups:
            if group == "liaisons" and department is not None:
                found += self.liaisons(department)
            elif group == "heads" and department is not None:
                found += self.heads(department)
            elif group == "center":
                found += self.center()
            elif group == "leading_group":
                found += self.leading_group()
        return _unique(found)


def _check_phones(field: str, phones: list[str] | None) -> list[str] | None:
    if phones is None:
        return None
    from hotline.phones import normalise_phone

    normal = [normalise_phone(p) if isinstance(p, str) else None for p in phones]
    bad = [str(p) for p, n in zip(phones, normal, strict=True) if n is None]
    if bad:
        message = "电话号码格式有误：" + "、".join(bad) + " not an E.164 phone number: " + ", ".join(bad)
        raise ValidationError(message, {field: [message]})
    return _unique([n for n in normal if n])


def department_contacts(code: str) -> Department:
    department = db.session.scalar(sa.select(Department).filter_by(code=code))
    if department is None:
        raise NotFound(f"未知部门 unknown department: {code}")
    return department


def set_department_contacts(
    code: str, head_phones: list[str] | None = None, liaison_phones: list[str] | None = None
) -> Department:
    """Replace a department's head and/or liaison phones (a list given replaces; None keeps)."""
    heads = _check_phones("head_phones", head_phones)
    liaisons = _check_phones("liaison_phones", liaison_phones)
    if heads is None and liaisons is None:
        raise ValidationError(
            "请至少提供一类联系电话 give head_phones and/or liaison_phones",
            {"head_phones": ["head_phones or liaison_phones is required"]},
        )
    department = department_contacts(code)
    if heads is not None:
        department.head_phones = heads
    if liaisons is not None:
        department.liaison_phones = liaisons
    db.session.commit()
    return department
