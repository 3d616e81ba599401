"""Reference data: loading the project's data file and reading the code lists."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Department, ReferenceCode, Setting, Street
from hotline.tickets.ladder import DEFAULT_TZ, Ladder, parse_ladder

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


def seed_reference(data: dict[str, Any] | None = None) -> dict[str, int]:
    """Load the reference data idempotently: run twice, no duplicates; edits are applied."""
    data = data or load_file()
    created = {"streets": 0, "departments": 0, "codes": 0}
    for street in data.get("streets", []):
        created["streets"] += _upsert(
            Street,
            {"code": street["code"]},
            {"name": street["name"], "name_en": street.get("name_en", ""), "active": True},
        )
        created["departments"] += _upsert(
            Department,
            {"code": STREET_PREFIX + street["code"]},
            {
                "name": street["name"] + "办事处",
                "name_en": street.get("name_en", street["code"]) + " Office",
                "kind": "street",
                "street_code": street["code"],
                "active": True,
            },
        )
    for dept in data.get("departments", []):
        created["departments"] += _upsert(
            Department,
            {"code": dept["code"]},
            {
                "name": dept["name"],
                "name_en": dept.get("name_en", ""),
                "kind": dept.get("kind", "bureau"),
                "active": True,
            },
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
    db.session.commit()
    return created


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


def configured_ladder() -> Ladder:
    """The escalation ladder stored by ``flask hotline seed`` (settings row "escalation")."""
    from flask import current_app

    return parse_ladder(setting("escalation"), current_app.config.get("HOTLINE_TIMEZONE") or DEFAULT_TZ)
