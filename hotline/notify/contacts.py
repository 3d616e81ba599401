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

import sqlalchemy as sa

from hotline.errors import NotFound, ValidationError
from hotline.extensions import db
from hotline.models import Department, Role, User

CENTER = "protection_center"
LEADING_GROUP = "leading_group_office"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _unique(phones: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(p for p in phones if p))


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
    bad = [p for p in phones if not isinstance(p, str) or not E164.match(p)]
    if bad:
        raise ValidationError(
            "电话号码格式有误 phone numbers must be E.164 (+8613800000000)",
            {field: [f"not an E.164 number: {p}" for p in bad]},
        )
    return _unique(phones)


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
