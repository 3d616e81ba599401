"""The leading group's monthly report (领导小组月报): the month's figures beside the month before.

- tickets received in the month (not cancelled) by primary protection type, by street, and both;
- per department: 及时签收率 (signed on time), 按时办结率 (final feedback on time), 满意率
  (satisfaction), exactly as ``GET /api/v1/stats`` defines them for the month's cohort;
- visits per street: ``due`` = visit deadlines falling in the month (answered by a visit, or
  still open), ``done`` = visits made in the month, ``on_time`` = those made by their deadline;
- open files by situation at the end of the month (opened before it ends, not closed by then);
- the same totals for the previous month, and the change.

Months are local (HOTLINE_TIMEZONE) calendar months. Figures only: no child's data.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from hotline.children.models import ChildFile, Visit
from hotline.errors import ValidationError
from hotline.extensions import db
from hotline.models import ReferenceCode, Street, Ticket
from hotline.reporting.stats import compute_stats, period_bounds

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> date:
    match = MONTH.match(text or "")
    if not match or not 1900 <= int(match.group(1)) <= 2200:
        raise ValidationError("输入有误 Validation failed", {"month": ["须为 YYYY-MM must be YYYY-MM"]})
    return date(int(match.group(1)), int(match.group(2)), 1)


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def _previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def _names(kind: str) -> dict[str, str]:
    if kind == "street":
        return dict(db.session.execute(sa.select(Street.code, Street.name).order_by(Street.id)).all())
    return dict(
        db.session.execute(
            sa.select(ReferenceCode.code, ReferenceCode.name).filter_by(kind=kind).order_by(ReferenceCode.position)
        ).all()
    )


def _tickets(begin: datetime, finish: datetime) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(Ticket.primary_protection_type, Ticket.street_code, sa.func.count())
        .where(Ticket.created_at >= begin, Ticket.created_at < finish, Ticket.status != "cancelled")
        .group_by(Ticket.primary_protection_type, Ticket.street_code)
    ).all()
    by_type, by_street = Counter(), Counter()
    for kind, street, count in rows:
        by_type[kind or "unknown"] += count
        by_street[street or "unknown"] += count
    return {
        "total": sum(by_type.values()),
        "by_type": by_type,
        "by_street": by_street,
        "by_type_and_street": [
            {"protection_type": kind or "unknown", "street": street or "unknown", "count": count}
            for kind, street, count in sorted(rows, key=lambda r: (r[0] or "", r[1] or ""))
        ],
    }


def _visits(begin: datetime, finish: datetime) -> dict[str, Counter]:
    due, done, on_time = Counter(), Counter(), Counter()
    for street, count in db.session.execute(
        sa.select(Visit.street_code, sa.func.count())
        .where(Visit.due_at >= begin, Visit.due_at < finish)
        .group_by(Visit.street_code)
    ):
        due[street] += count
    for street, count in db.session.execute(
        sa.select(ChildFile.street_code, sa.func.count())
        .where(ChildFile.status == "open", ChildFile.next_visit_due_at >= begin, ChildFile.next_visit_due_at < finish)
        .group_by(ChildFile.street_code)
    ):
        due[street] += count
    for street, late, count in db.session.execute(
        sa.select(Visit.street_code, Visit.due_at < Visit.visited_at, sa.func.count())
        .where(Visit.visited_at >= begin, Visit.visited_at < finish)
        .group_by(Visit.street_code, Visit.due_at < Visit.visited_at)
    ):
        done[street] += count
        if not late:
            on_time[street] += count
    return {"due": due, "done": done, "on_time": on_time}


def _open_files(finish: datetime) -> tuple[int, Counter]:
    """Files open at the end of the month, and how many of them have each situation."""
    rows = db.session.scalars(
        sa.select(ChildFile.situations).where(
            ChildFile.created_at < finish, sa.or_(ChildFile.closed_at.is_(None), ChildFile.closed_at >= finish)
        )
    ).all()
    counts = Counter(code for situations in rows for code in dict.fromkeys(situations or ()))
    return len(rows), counts


def _totals(first: date, tz: str) -> dict[str, Any]:
    begin = period_bounds(first, first, tz)[0]
    finish = period_bounds(_next_month(first), _next_month(first), tz)[0]
    tickets = _tickets(begin, finish)
    visits = _visits(begin, finish)
    open_total, by_situation = _open_files(finish)
    return {
        "begin": begin,
        "finish": finish,
        "tickets": tickets,
        "visits": visits,
        "open_files": open_total,
        "by_situation": by_situation,
    }


def _rate(count: int, of: int) -> float | None:
    return round(count / of, 4) if of else None


def _summary(t: dict[str, Any]) -> dict[str, Any]:
    due, done, on_time = (sum(t["visits"][k].values()) for k in ("due", "done", "on_time"))
    return {
        "tickets": t["tickets"]["total"],
        "visits_due": due,
        "visits_done": done,
        "visits_on_time": on_time,
        "open_files": t["open_files"],
    }


def monthly_report(month: str, *, now: datetime, tz: str) -> dict[str, Any]:
    """The report for ``month`` (``YYYY-MM``) as of ``now``."""
    first = parse_month(month)
    previous = _previous_month(first)
    this, before = _totals(first, tz), _totals(previous, tz)
    last_day = date.fromordinal(_next_month(first).toordinal() - 1)
    stats = compute_stats(first, last_day, now=now, tz=tz)
    types, streets, situations = _names("protection_type"), _names("street"), _names("subject_category")

    def department(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "bureau": row["bureau"],
            "name": row["name"],
            "assigned": row["assigned"]["count"],
            "signed_on_time": row["signed_on_time"],
            "feedback_on_time": row["feedback_on_time"],
            "satisfaction": row["satisfaction"],
            "signed_on_time_rate": row["signed_on_time"]["rate"],
            "feedback_on_time_rate": row["feedback_on_time"]["rate"],
            "satisfaction_rate": row["satisfaction"]["rate"],
        }

    street_codes = list(dict.fromkeys([*streets, *this["visits"]["due"], *this["visits"]["done"]]))
    now_summary, then_summary = _summary(this), _summary(before)
    return {
        "month": f"{first:%Y-%m}",
        "previous_month": f"{previous:%Y-%m}",
        "timezone": tz,
        "as_of": now,
        "tickets": {
            "total": this["tickets"]["total"],
            "by_protection_type": [
                {
                    "code": code,
                    "name": types.get(code, code),
                    "count": this["tickets"]["by_type"].get(code, 0),
                    "previous": before["tickets"]["by_type"].get(code, 0),
                }
                for code in dict.fromkeys([*types, *this["tickets"]["by_type"]])
            ],
            "by_street": [
                {
                    "code": code,
                    "name": streets.get(code, code),
                    "count": this["tickets"]["by_street"].get(code, 0),
                    "previous": before["tickets"]["by_street"].get(code, 0),
                }
                for code in dict.fromkeys([*streets, *this["tickets"]["by_street"]])
            ],
            "by_type_and_street": this["tickets"]["by_type_and_street"],
        },
        "departments": [department(row) for row in stats["departments"]],
        "departments_total": department({"bureau": "total", "name": "合计"} | stats["total"]),
        "visits": [
            {
                "street": code,
                "name": streets.get(code, code),
                "due": this["visits"]["due"].get(code, 0),
                "done": this["visits"]["done"].get(code, 0),
                "on_time": this["visits"]["on_time"].get(code, 0),
                "done_rate": _rate(this["visits"]["done"].get(code, 0), this["visits"]["due"].get(code, 0)),
                "previous_due": before["visits"]["due"].get(code, 0),
                "previous_done": before["visits"]["done"].get(code, 0),
            }
            for code in street_codes
        ],
        "open_files": {
            "total": this["open_files"],
            "by_situation": [
                {
                    "code": code,
                    "name": situations.get(code, code),
                    "count": this["by_situation"].get(code, 0),
                    "previous": before["by_situation"].get(code, 0),
                }
                for code in dict.fromkeys([*situations, *this["by_situation"]])
            ],
        },
        "summary": now_summary,
        "previous": then_summary,
        "change": {key: now_summary[key] - then_summary[key] for key in now_summary},
    }


def _clean(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from hotline.reporting.spreadsheets import neutralise

    value = neutralise(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _pct(rate: float | None) -> Any:
    return "" if rate is None else round(rate * 100, 1)


def report_xlsx(report: dict[str, Any]) -> bytes:
    """The report as a workbook: one sheet per part (Chinese titles), numbers as numbers."""
    from openpyxl import Workbook  # only when a sheet is made: it costs every process ~13 MB

    book = Workbook(write_only=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]]) -> None:
        ws = book.create_sheet(title=title)
        ws.append([_clean(h) for h in header])
        for row in rows:
            ws.append([_clean(v) for v in row])

    s, p, c = report["summary"], report["previous"], report["change"]
    sheet(
        "概要",
        ["项目 item", report["month"], report["previous_month"], "变化 change"],
        [
            ["受理工单 tickets", s["tickets"], p["tickets"], c["tickets"]],
            ["应走访 visits due", s["visits_due"], p["visits_due"], c["visits_due"]],
            ["已走访 visits done", s["visits_done"], p["visits_done"], c["visits_done"]],
            ["按时走访 visits on time", s["visits_on_time"], p["visits_on_time"], c["visits_on_time"]],
            ["在档儿童 open files", s["open_files"], p["open_files"], c["open_files"]],
        ],
    )
    sheet(
        "工单按保护类型",
        ["代码 code", "保护类型 type", report["month"], report["previous_month"]],
        [[r["code"], r["name"], r["count"], r["previous"]] for r in report["tickets"]["by_protection_type"]],
    )
    sheet(
        "工单按街道",
        ["代码 code", "街道 street", report["month"], report["previous_month"]],
        [[r["code"], r["name"], r["count"], r["previous"]] for r in report["tickets"]["by_street"]],
    )
    departments = [*report["departments"], report["departments_total"]]
    sheet(
        "部门时效",
        ["代码 code", "部门 department", "派单 assigned", "及时签收率 %", "按时办结率 %", "满意率 %"],
        [
            [
                d["bureau"],
                d["name"],
                d["assigned"],
                _pct(d["signed_on_time_rate"]),
                _pct(d["feedback_on_time_rate"]),
                _pct(d["satisfaction_rate"]),
            ]
            for d in departments
        ],
    )
    sheet(
        "走访",
        ["代码 code", "街道 street", "应走访 due", "已走访 done", "按时 on time", "上月应走访", "上月已走访"],
        [
            [v["street"], v["name"], v["due"], v["done"], v["on_time"], v["previous_due"], v["previous_done"]]
            for v in report["visits"]
        ],
    )
    sheet(
        "在档儿童按类别",
        ["代码 code", "类别 situation", report["month"], report["previous_month"]],
        [[r["code"], r["name"], r["count"], r["previous"]] for r in report["open_files"]["by_situation"]],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
