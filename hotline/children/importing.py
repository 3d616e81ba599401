"""The survey import (调查摸底): a sheet of children, one a row, checked as a whole.

XLSX or UTF-8 CSV (a BOM is fine), first row the header. Every row and field is checked
before anything is stored: one bad cell and the answer lists every problem
(``{"row","field","message"}``, the header is row 1) and stores nothing. A row whose child
(name + birth date + street, ``schedule.match_key``) already has a file updates that file,
so importing the same sheet twice updates instead of duplicating.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from hotline.children import schedule
from hotline.children.models import ChildFile
from hotline.children.services import _apply_changes, _event, _new_file, _street_codes, _tz
from hotline.errors import ValidationError
from hotline.extensions import db
from hotline.models import User
from hotline.reference.services import code_set
from hotline.settings import Settings

REQUIRED = (
    "name",
    "gender",
    "birth_date",
    "street",
    "address",
    "situations",
    "risk",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
)
OPTIONAL = ("visit_every_days",)
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
GENDER_WORDS = {"男": "male", "女": "female", "未知": "unknown", "m": "male", "f": "female"}
RISK_WORDS = {"高": "high", "中": "medium", "低": "low"}
# What the template's instructions sheet says, one line per column.
COLUMN_HELP = {
    "name": "儿童姓名（必填）child's name (required)",
    "gender": "male / female / unknown，或 男 / 女",
    "birth_date": "出生日期 YYYY-MM-DD（必填，未满18周岁）birth date (required, under 18)",
    "street": "街道代码 street code: sunjiapuzi, jiangyuan, chengqiang, zhengcha",
    "address": "详细地址 address",
    "situations": "保护对象类别代码，多个用 ; 分隔 situation codes separated by ; (e.g. left_behind;poor_family)",
    "risk": "风险等级 high / medium / low（或 高 / 中 / 低）",
    "guardian_name": "监护人姓名 guardian's name",
    "guardian_relation": "与儿童关系 relation to the child",
    "guardian_phone": "监护人电话 guardian's phone",
    "visit_every_days": "（可选）走访间隔天数 1–365；空=按风险默认 (optional) days between visits",
}


class SheetError(ValidationError):
    """The upload is not a sheet at all (422 naming ``file``)."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(content: bytes) -> list[list[str]]:
    """The sheet's rows as strings (XLSX by its zip signature, otherwise UTF-8 CSV)."""
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise SheetError("无法读取表格 unreadable sheet", {"file": [f"not a readable XLSX file: {exc}"]}) from exc
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SheetError("文件须为 UTF-8 CSV 或 XLSX", {"file": ["not UTF-8 CSV or XLSX"]}) from exc
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _problems(row: dict[str, str], today: date, streets: set[str], situations: set[str]) -> tuple[dict, list]:
    """(clean values, [(field, message)]) of one data row."""
    errors: list[tuple[str, str]] = []
    clean: dict[str, Any] = {}
    name = row.get("name", "")
    if not name:
        errors.append(("name", "必填 required"))
    elif len(name) > 100:
        errors.append(("name", "最多100个字符 at most 100 characters"))
    clean["name"] = name
    gender = row.get("gender", "").strip()
    gender = GENDER_WORDS.get(gender.lower(), gender.lower()) if gender else None
    if gender is not None and gender not in schedule.GENDERS:
        errors.append(("gender", f"须为 male/female/unknown，得到 '{row.get('gender')}'"))
    clean["gender"] = gender
    text = row.get("birth_date", "")
    try:
        birth = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        birth = None
    if birth is None:
        errors.append(("birth_date", f"须为 YYYY-MM-DD 日期 must be a date YYYY-MM-DD, got '{text}'"))
    elif problem := schedule.birth_date_problem(birth, today):
        errors.append(("birth_date", problem))
    clean["birth_date"] = birth
    street = row.get("street", "")
    if street not in streets:
        errors.append(("street", f"未知街道 unknown street '{street}'"))
    clean["street"] = street
    address = row.get("address", "") or None
    if address and len(address) > 500:
        errors.append(("address", "最多500个字符 at most 500 characters"))
    clean["address"] = address
    codes = [c.strip() for c in row.get("situations", "").replace("；", ";").split(";") if c.strip()]
    if not codes:
        errors.append(("situations", "至少一种保护对象类别 at least one situation"))
    elif bad := [c for c in codes if c not in situations]:
        errors.append(("situations", f"未知保护对象类别 unknown situation(s): {', '.join(bad)}"))
    clean["situations"] = codes
    risk = row.get("risk", "").strip()
    risk = RISK_WORDS.get(risk, risk.lower())
    if risk not in schedule.RISKS:
        errors.append(("risk", f"须为 high/medium/low，得到 '{row.get('risk', '')}'"))
    clean["risk"] = risk
    guardian = {k: row.get(f"guardian_{k}", "") or None for k in ("name", "relation", "phone")}
    for key, limit in (("name", 100), ("relation", 50), ("phone", 32)):
        if guardian[key] and len(guardian[key]) > limit:
            errors.append((f"guardian_{key}", f"最多{limit}个字符 at most {limit} characters"))
    if not guardian["name"] and (guardian["relation"] or guardian["phone"]):
        errors.append(("guardian_name", "填写了监护人关系或电话时必填 required with a relation or phone"))
    clean["guardians"] = [guardian] if guardian["name"] else []
    interval = row.get("visit_every_days", "")
    if interval:
        if not interval.isdigit() or (problem := schedule.interval_problem(int(interval))):
            errors.append(("visit_every_days", "走访间隔须为 1–365 天 must be 1 to 365 days"))
        else:
            clean["visit_every_days"] = int(interval)
    return clean, errors


def check_sheet(rows: list[list[str]], today: date) -> tuple[list[tuple[int, dict]], list[dict[str, Any]]]:
    """(clean rows with their row numbers, errors) for the whole sheet."""
    if not rows:
        return [], [{"row": 1, "field": "file", "message": "表格为空 the sheet is empty"}]
    header = [h.strip().lower() for h in rows[0]]
    errors: list[dict[str, Any]] = [
        {"row": 1, "field": column, "message": "缺少此列 missing column"} for column in REQUIRED if column not in header
    ]
    if errors:
        return [], errors
    body = rows[1:]
    if not body:
        return [], [{"row": 2, "field": "file", "message": "没有数据行 no data rows"}]
    if len(body) > MAX_ROWS:
        return [], [{"row": MAX_ROWS + 2, "field": "file", "message": f"最多 {MAX_ROWS} 行 at most {MAX_ROWS} rows"}]
    streets, situations = _street_codes(), code_set("subject_category")
    known = [c for c in (*REQUIRED, *OPTIONAL) if c in header]
    clean_rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        if not any(cells):
            continue
        row = {column: (cells[header.index(column)] if header.index(column) < len(cells) else "") for column in known}
        clean, problems = _problems(row, today, streets, situations)
        errors += [{"row": number, "field": field, "message": message} for field, message in problems]
        key = schedule.match_key(clean["name"], clean["birth_date"], clean["street"])
        if key and not problems:
            if key in seen:
                errors.append(
                    {"row": number, "field": "name", "message": f"与第{seen[key]}行重复 same child as row {seen[key]}"}
                )
            seen[key] = number
        clean_rows.append((number, clean | {"match_key": key}))
    return clean_rows, errors


def import_survey(content: bytes, *, actor: User, now: datetime, settings: Settings) -> dict[str, Any]:
    """Check the whole sheet; store it only when every row is right (one transaction)."""
    tz = _tz(settings)
    rows, errors = check_sheet(read_rows(content), now.astimezone(tz).date())
    if errors:
        db.session.rollback()
        return {"created": 0, "updated": 0, "errors": errors}
    keys = [clean["match_key"] for _, clean in rows]
    existing = _files_by_key(keys)
    created = updated = 0
    for _number, clean in rows:
        child = existing.get(clean["match_key"])
        if child is None:
            child = _new_file(clean, actor=actor, now=now, settings=settings)
            _event(child, "opened", actor=actor, now=now, data={"via": "import", "risk": child.risk})
            created += 1
            continue
        child.updated_at = now
        changes = {k: v for k, v in clean.items() if k != "match_key" and (k != "guardians" or v)}
        fields = _apply_changes(child, changes, settings.timezone)
        if fields:
            _event(
                child, "updated", actor=actor, now=now, before=child.status, data={"via": "import", "fields": fields}
            )
        updated += 1
    db.session.commit()
    return {"created": created, "updated": updated, "errors": []}


def _files_by_key(keys: Iterable[str]) -> dict[str, ChildFile]:
    found: dict[str, ChildFile] = {}
    keys = list(dict.fromkeys(keys))
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for child in db.session.scalars(
            sa.select(ChildFile).where(ChildFile.match_key.in_(chunk)).order_by(ChildFile.id)
        ):
            found.setdefault(child.match_key, child)
    return found


def template(fmt: str) -> tuple[bytes, str, str]:
    """The empty survey sheet to fill in: (content, mimetype, filename)."""
    columns = [*REQUIRED, *OPTIONAL]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(columns)
        return ("\ufeff" + buffer.getvalue()).encode(), "text/csv; charset=utf-8", "children-survey.csv"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(columns)
    notes = book.create_sheet("说明")
    notes.append(["列 column", "说明 meaning"])
    for column in columns:
        notes.append([column, COLUMN_HELP[column]])
    notes.append([])
    notes.append(["", "同一儿童（姓名+出生日期+街道）再次导入会更新原档案；任何一行有误则整表不导入。"])
    buffer = io.BytesIO()
    book.save(buffer)
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return buffer.getvalue(), mimetype, "children-survey.xlsx"
