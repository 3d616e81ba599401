"""Reference data: loading the project's data file and reading the code lists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hotline.errors import NotFound, ValidationError
from hotline.extensions import db
from hotline.models import Department, ReferenceCode, Setting, Street
from hotline.tickets.ladder import DEFAULT_TZ, Ladder, parse_ladder
from hotline.tickets.reference import Reference, build_reference

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "reference.toml"
CODE_KINDS = ("protection_type", "subject_category", "urgency")
STREET_PREFIX = "street:"


def load_file(path: Path = DATA_FILE) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _upsert(model, key: dict[str, Any], values: dict[str, Any]) -> bool:
    row = db.session.scalar(sa.select(model).filter_by(**key))
    if row is None:
        db.session.add(model(**key, **values))
        return True
    for name, value in values.items():
        setattr(row, name, value)
    return False


# Codes an administrator has edited in the admin pages: the seed (run by every `make run`)
# creates what is missing but leaves their names and switches as the administrator set them.
ADMIN_EDITED = "reference_admin_edited"
# Bumped by every write to the reference data (seed, admin pages): caches key on it.
VERSION = "reference_version"


def reference_version() -> int:
    return int(setting(VERSION, 0) or 0)


def bump_reference_version() -> int:
    """In the caller's transaction: the reference data changed, cached copies are stale."""
    row = db.session.get(Setting, VERSION)
    if row is None:
        row = Setting(key=VERSION, value=0)
        db.session.add(row)
    row.value = int(row.value or 0) + 1
    return row.value


def _edited(kind: str) -> set[str]:
    return set((setting(ADMIN_EDITED, {}) or {}).get(kind, []))


def _mark_edited(kind: str, code: str) -> None:
    row = db.session.get(Setting, ADMIN_EDITED)
    if row is None:
        row = Setting(key=ADMIN_EDITED, value={})
        db.session.add(row)
    value = dict(row.value or {})
    value[kind] = sorted({*value.get(kind, []), code})
    row.value = value  # a new object, so the JSON column is written


def _seed_row(model, key: dict[str, Any], values: dict[str, Any], edited: set[str]) -> bool:
    if key["code"] in edited and db.session.scalar(sa.select(model).filter_by(**key)) is not None:
        return False
    return _upsert(model, key, values)


def seed_reference(data: dict[str, Any] | None = None) -> dict[str, int]:
    """Load the reference data idempotently: run twice, no duplicates; edits to the file are
    applied, except to streets and departments an administrator has since edited in the pages."""
    data = data or load_file()
    created = {"streets": 0, "departments": 0, "codes": 0}
    edited_streets, edited_departments = _edited("streets"), _edited("departments")
    for street in data.get("streets", []):
        created["streets"] += _seed_row(
            Street,
            {"code": street["code"]},
            {"name": street["name"], "name_en": street.get("name_en", ""), "active": street.get("active", True)},
            edited_streets,
        )
        created["departments"] += _seed_row(
            Department,
            {"code": STREET_PREFIX + street["code"]},
            street_office(street["code"], street["name"], street.get("name_en", ""), street.get("active", True)),
            {STREET_PREFIX + code for code in edited_streets},
        )
    for dept in data.get("departments", []):
        created["departments"] += _seed_row(
            Department,
            {"code": dept["code"]},
            {
                "name": dept["name"],
                "name_en": dept.get("name_en", ""),
                "kind": dept.get("kind", "bureau"),
                "active": dept.get("active", True),
            },
            edited_departments,
        )
    for kind, section in (
        ("protection_type", "protection_types"),
        ("subject_category", "subject_categories"),
        ("urgency", "urgencies"),
    ):
        for position, item in enumerate(data.get(section, [])):
            extra = {k: v for k, v in item.items() if k not in {"code", "name", "name_en"}}
            created["codes"] += _upsert(
                ReferenceCode,
                {"kind": kind, "code": item["code"]},
                {"name": item["name"], "name_en": item.get("name_en", ""), "position": position, "data": extra},
            )
    _upsert(Setting, {"key": "escalation"}, {"value": data.get("escalation", {})})
    _upsert(Setting, {"key": "children"}, {"value": data.get("children", {})})
    bump_reference_version()
    db.session.commit()
    return created


def street_office(code: str, name: str, name_en: str, active: bool = True) -> dict[str, Any]:
    """The street office department every street has (``street:<code>``)."""
    return {
        "name": name + "办事处",
        "name_en": (name_en or code) + " Office",
        "kind": "street",
        "street_code": code,
        "active": active,
    }


CODE_FORMAT = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


def _check(code: str | None, name: str, *, new: bool, exists: bool) -> None:
    errors: dict[str, list[str]] = {}
    if new and (not code or not CODE_FORMAT.match(code)):
        errors["code"] = ["代码须为小写字母开头的字母、数字或下划线 a code: lowercase letters, digits, underscores"]
    elif new and exists:
        errors["code"] = ["代码已存在 this code already exists"]
    if not (name or "").strip():
        errors["name"] = ["名称必填 a name is required"]
    if errors:
        raise ValidationError("输入有误 Validation failed", errors)


def save_department(code: str, values: dict[str, Any], *, new: bool) -> Department:
    """Add a department or edit its names and switch (the admin pages). Its code never
    changes: tickets, rules and users refer to it."""
    row = db.session.scalar(sa.select(Department).filter_by(code=code)) if code else None
    _check(code, values.get("name", ""), new=new, exists=row is not None)
    if not new and row is None:
        raise NotFound(f"未知部门 unknown department: {code}")
    if row is None:
        row = Department(code=code, kind="bureau", liaison_phones=[], head_phones=[])
        db.session.add(row)
    row.name, row.name_en, row.active = values["name"].strip(), (values.get("name_en") or "").strip(), values["active"]
    _mark_edited("departments", code)
    bump_reference_version()
    db.session.commit()
    return row


def save_street(code: str, values: dict[str, Any], *, new: bool) -> Street:
    """Add a street (with its street office) or edit its names and switch."""
    row = db.session.scalar(sa.select(Street).filter_by(code=code)) if code else None
    _check(code, values.get("name", ""), new=new, exists=row is not None)
    if not new and row is None:
        raise NotFound(f"未知街道 unknown street: {code}")
    name, name_en, active = values["name"].strip(), (values.get("name_en") or "").strip(), values["active"]
    if row is None:
        row = Street(code=code)
        db.session.add(row)
    row.name, row.name_en, row.active = name, name_en, active
    _upsert(Department, {"code": STREET_PREFIX + code}, street_office(code, name, name_en, active))
    _mark_edited("streets", code)
    bump_reference_version()
    db.session.commit()
    return row


def streets() -> list[Street]:
    return list(db.session.scalars(sa.select(Street).order_by(Street.active.desc(), Street.id)))


def codes(kind: str) -> list[ReferenceCode]:
    return list(db.session.scalars(sa.select(ReferenceCode).filter_by(kind=kind).order_by(ReferenceCode.position)))


def code_set(kind: str) -> set[str]:
    return set(db.session.scalars(sa.select(ReferenceCode.code).filter_by(kind=kind)))


def street_codes() -> set[str]:
    return set(db.session.scalars(sa.select(Street.code).filter_by(active=True)))


def department_codes() -> set[str]:
    return set(db.session.scalars(sa.select(Department.code).filter_by(active=True)))


def setting(key: str, default: Any = None) -> Any:
    row = db.session.get(Setting, key)
    return default if row is None else row.value


def reference_lists() -> dict[str, list[dict[str, str]]]:
    def item(row) -> dict[str, str]:
        return {"code": row.code, "name": row.name, "name_en": row.name_en}

    return {
        "protection_types": [item(r) for r in codes("protection_type")],
        "subject_categories": [item(r) for r in codes("subject_category")],
        "urgencies": [
            item(r) | {"deadlines": {"sign": r.data.get("sign"), "feedback": r.data.get("feedback")}}
            for r in codes("urgency")
        ],
        "streets": [item(r) for r in db.session.scalars(sa.select(Street).filter_by(active=True).order_by(Street.id))],
        "bureaus": [
            item(r) | {"kind": r.kind}
            for r in db.session.scalars(sa.select(Department).filter_by(active=True).order_by(Department.id))
        ],
    }


def departments() -> list[Department]:
    """Every department, active first, in reference order (the admin's list, with contacts)."""
    return list(db.session.scalars(sa.select(Department).order_by(Department.active.desc(), Department.id)))


def configured_ladder(tz: str) -> Ladder:
    """The escalation ladder stored by ``flask hotline seed`` (settings row "escalation"), its
    local times in ``tz`` (``Settings.timezone``)."""
    return parse_ladder(setting("escalation"), tz or DEFAULT_TZ)


# Typed reference objects per (database, reference_version): shared by every request and job of
# the process until a write to the reference data bumps the version.
_BUILT: dict[tuple[str, int], Reference] = {}


def current_reference() -> Reference:
    """The typed reference data (``hotline.tickets.reference``), built once per reference version.

    Costs one primary-key read per call (the version); the same answer inside a request and in a
    job, so no service behaves differently in either.
    """
    key = (str(db.engine.engine.url), reference_version())
    built = _BUILT.get(key)
    if built is not None:
        return built
    rows = list(db.session.scalars(sa.select(ReferenceCode).order_by(ReferenceCode.kind, ReferenceCode.position)))

    def plain(row: ReferenceCode) -> dict[str, Any]:
        return {"code": row.code, "name": row.name, "name_en": row.name_en, "data": row.data, "position": row.position}

    departments = [
        {"code": d.code, "name": d.name, "name_en": d.name_en, "kind": d.kind, "street_code": d.street_code, "id": d.id}
        for d in db.session.scalars(sa.select(Department).filter_by(active=True).order_by(Department.id))
    ]
    built = build_reference(
        key[1],
        [plain(r) for r in rows if r.kind == "urgency"],
        [plain(r) for r in rows if r.kind == "protection_type"],
        departments,
    )
    if len(_BUILT) > 8:  # a long-lived process sees few versions
        _BUILT.clear()
    _BUILT[key] = built
    return built


def forget_reference() -> None:
    """Drop the built objects (tests that empty the database start the counter again)."""
    _BUILT.clear()
