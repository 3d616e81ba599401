"""The children's pages: the street office's list, a file, the visit form with a referral,
opening a file, the survey import, the monthly report page, and late visits on the board."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.children.models import ChildFile
from hotline.extensions import db
from hotline.models import Ticket
from tests.web.conftest import text

OFFICE = "street:jiangyuan"


def open_file(browser, **fields):
    data = {
        "name": "王小花",
        "gender": "female",
        "birth_date": "2016-05-04",
        "street": "jiangyuan",
        "address": "幸福路1号",
        "situations": ["left_behind"],
        "risk": "high",
        "guardian_name": "王奶奶",
        "guardian_relation": "祖母",
    } | fields
    return browser.post("/children/new", data)


def test_the_street_office_opens_a_file_and_records_a_visit_with_a_referral(signed_in):
    office = signed_in("liaison", bureau=OFFICE)
    response = open_file(office)
    assert response.status_code == 302, text(response)
    child = db.session.scalars(sa.select(ChildFile)).one()
    assert child.street_code == "jiangyuan" and child.guardians[0]["name"] == "王奶奶"
    listing = text(office.get("/children/"))
    assert "王小花" in listing and child.number in listing
    form = office.get(f"/children/{child.id}/visit")
    assert form.status_code == 200 and 'type="datetime-local"' in text(form)
    local_now = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    saved = office.post(
        f"/children/{child.id}/visit",
        {
            "visited_at": local_now,
            "kind": "school",
            "findings": "两周未到校",
            "services": ["counselling"],
            "refer": "1",
            "refer_protection_types": ["education"],
            "refer_description": "孩子辍学两周，需要教育局劝返",
            "refer_urgency": "urgent",
        },
    )
    assert saved.status_code == 302, text(saved)
    ticket = db.session.scalars(sa.select(Ticket)).one()
    assert ticket.channel == "visit" and ticket.child_id == child.id and ticket.status == "dispatched"
    page = text(office.get(saved.headers["Location"]))
    assert ticket.number in page and "两周未到校" in page


def test_bad_visit_fields_are_shown_beside_them_and_nothing_is_stored(signed_in):
    office = signed_in("liaison", bureau=OFFICE)
    open_file(office)
    child = db.session.scalars(sa.select(ChildFile)).one()
    response = office.post(
        f"/children/{child.id}/visit", {"visited_at": "2999-01-01T10:00", "kind": "home", "findings": ""}
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="visited_at-errors"' in page and 'id="findings-errors"' in page
    db.session.expire_all()
    assert db.session.get(ChildFile, child.id).last_visited_at is None


def test_other_departments_cannot_open_the_pages(signed_in):
    office = signed_in("liaison", bureau=OFFICE)
    open_file(office)
    child = db.session.scalars(sa.select(ChildFile)).one()
    education = signed_in("liaison", bureau="education")
    assert education.get("/children/").status_code == 403
    assert education.get(f"/children/{child.id}").status_code == 404
    assert signed_in("liaison", bureau="street:chengqiang").get(f"/children/{child.id}").status_code == 404


def test_a_late_visit_is_on_the_supervisors_board_and_links_to_the_file(signed_in):
    office = signed_in("liaison", bureau=OFFICE)
    open_file(office)
    child = db.session.scalars(sa.select(ChildFile)).one()
    child.next_visit_due_at = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    board = text(signed_in("supervisor").get("/supervisor/"))
    assert f"/children/{child.id}" in board and child.number in board
    listing = text(office.get("/children/"))
    assert "lvl-1" in listing  # the late file is marked, first


def test_the_import_page_reports_bad_rows_and_imports_good_sheets(signed_in):
    supervisor = signed_in("supervisor")
    page = supervisor.get("/children/import")
    assert page.status_code == 200 and "/children/import/template.xlsx" in text(page)
    assert supervisor.get("/children/import/template.xlsx").status_code == 200
    header = "name,gender,birth_date,street,address,situations,risk,guardian_name,guardian_relation,guardian_phone\n"
    bad = header + "王小花,female,2016-05-04,nowhere,,left_behind,high,,,\n"
    response = supervisor.post("/children/import", {"file": (io.BytesIO(bad.encode()), "s.csv")})
    assert 'id="import-errors"' in text(response) and "nowhere" in text(response)
    good = header + "王小花,female,2016-05-04,jiangyuan,,left_behind,high,,,\n"
    response = supervisor.post("/children/import", {"file": (io.BytesIO(good.encode()), "s.csv")})
    assert 'id="import-result"' in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildFile)) == 1


def test_the_monthly_report_page_and_its_workbook(signed_in):
    supervisor = signed_in("supervisor")
    page = supervisor.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    html = text(page)
    assert "<svg" in html and 'id="visits"' in html and "2026-10" in html
    workbook = supervisor.get("/reports/monthly.xlsx?month=2026-11")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    assert signed_in("operator").get("/reports/monthly").status_code == 403
