"""The leading group's monthly report: JSON figures, the XLSX workbook, month over month."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from hotline.children import services as files
from hotline.extensions import db
from hotline.intake.tickets import create_ticket
from hotline.settings import current_settings
from tests.factories_chaser import local

NOVEMBER, OCTOBER = local("2026-11-10 10:00"), local("2026-10-12 10:00")


def ticket(when, kind="education", street="jiangyuan", actor=None):
    data = {
        "description": "孩子辍学在家需要帮助",
        "location": {"street": street},
        "protection_types": [kind],
        "urgency": "normal",
    }
    return create_ticket(data, channel="phone", actor=actor, now=when, settings=current_settings())[0]


@pytest.fixture
def month(app, make_user):
    """October: one ticket; November: three tickets, two files, a visit on time, one late."""
    operator = make_user("op", "operator")
    liaison = make_user("li", "liaison", bureau="street:jiangyuan")
    ticket(OCTOBER)
    ticket(NOVEMBER)
    ticket(NOVEMBER + timedelta(days=1), kind="relief", street="zhengcha")
    cancelled = ticket(NOVEMBER + timedelta(days=2))
    cancelled.status = "cancelled"
    db.session.commit()
    base = {"street": "jiangyuan", "guardians": []}
    a = files.create_file(
        base | {"name": "甲", "situations": ["left_behind", "poor_family"], "risk": "high"},
        actor=operator,
        now=OCTOBER,
        settings=current_settings(),
    )
    b = files.create_file(
        base | {"name": "乙", "situations": ["disabled"], "risk": "high"},
        actor=operator,
        now=NOVEMBER,
        settings=current_settings(),
    )
    # a: due 19 Oct, visited late on 21 Oct; next due 28 Oct, still open (late) in November? no: due in October.
    visit = {"kind": "home", "findings": "ok", "services": []}
    files.record_visit(
        a.id,
        visit | {"visited_at": local("2026-10-21 09:00")},
        actor=liaison,
        now=local("2026-10-21 09:00"),
        settings=current_settings(),
    )
    files.record_visit(
        a.id,
        visit | {"visited_at": local("2026-10-27 09:00")},
        actor=liaison,
        now=local("2026-10-27 09:00"),
        settings=current_settings(),
    )
    # a's next due 3 Nov: visited on time 2 Nov; then due 9 Nov, visited late 12 Nov; next due 19 Nov open.
    files.record_visit(
        a.id,
        visit | {"visited_at": local("2026-11-02 09:00")},
        actor=liaison,
        now=local("2026-11-02 09:00"),
        settings=current_settings(),
    )
    files.record_visit(
        a.id,
        visit | {"visited_at": local("2026-11-12 09:00")},
        actor=liaison,
        now=local("2026-11-12 09:00"),
        settings=current_settings(),
    )
    # b: opened 10 Nov, due 17 Nov, never visited.
    return a, b


def test_the_month_in_figures(month):
    from hotline.reporting.monthly import monthly_report

    report = monthly_report("2026-11", now=local("2026-12-01 10:00"), tz="Asia/Shanghai")
    assert report["month"] == "2026-11" and report["previous_month"] == "2026-10"
    assert report["tickets"]["total"] == 2  # the cancelled one does not count
    by_type = {r["code"]: (r["count"], r["previous"]) for r in report["tickets"]["by_protection_type"]}
    assert by_type["education"] == (1, 1) and by_type["relief"] == (1, 0)
    by_street = {r["code"]: r["count"] for r in report["tickets"]["by_street"]}
    assert by_street == {"sunjiapuzi": 0, "jiangyuan": 1, "chengqiang": 0, "zhengcha": 1}
    visits = {v["street"]: v for v in report["visits"]}["jiangyuan"]
    # due in November: 3 Nov (visited), 9 Nov (visited late), 19 Nov (a, open), 17 Nov (b, open)
    assert (visits["due"], visits["done"], visits["on_time"]) == (4, 2, 1)
    assert (visits["previous_due"], visits["previous_done"]) == (2, 2)
    situations = {r["code"]: r["count"] for r in report["open_files"]["by_situation"]}
    assert situations["left_behind"] == 1 and situations["disabled"] == 1 and situations["orphan_scattered"] == 0
    assert report["open_files"]["total"] == 2
    assert report["previous"]["open_files"] == 1 and report["change"]["open_files"] == 1
    assert report["change"]["tickets"] == 1
    education = next(d for d in report["departments"] if d["bureau"] == "education")
    assert education["assigned"] == 2  # November's cohort (the one flipped to cancelled kept its assignment)
    assert set(education) >= {"signed_on_time_rate", "feedback_on_time_rate", "satisfaction_rate"}


def test_the_api_gives_json_and_xlsx_to_supervisors_only(month, login):
    supervisor = login("supervisor")
    response = supervisor.get("/api/v1/stats/monthly?month=2026-11")
    assert response.status_code == 200 and response.json["tickets"]["total"] == 2
    workbook = supervisor.get("/api/v1/stats/monthly?month=2026-11&format=xlsx")
    assert workbook.status_code == 200
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(workbook.data))
    assert book.sheetnames[0] == "概要" and "走访" in book.sheetnames and "部门时效" in book.sheetnames
    summary = list(book["概要"].iter_rows(values_only=True))
    assert summary[0][1:3] == ("2026-11", "2026-10") and summary[1][1] == 2
    for bad in ("2026-13", "26-11", "", "2026-1", "1800-01"):
        answer = supervisor.get(f"/api/v1/stats/monthly?month={bad}")
        assert answer.status_code == 422 and "month" in answer.json["errors"]
    assert supervisor.get("/api/v1/stats/monthly").status_code == 422
    assert supervisor.get("/api/v1/stats/monthly?month=2026-11&format=pdf").status_code == 422
    assert login("operator").get("/api/v1/stats/monthly?month=2026-11").status_code == 403
