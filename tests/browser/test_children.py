"""A street office's day in a real browser: the center imports the survey sheet, the street
office sees its children and records a visit with a referral on a phone-sized screen, the
referral is dispatched by the rules, a visit falls late and shows on the supervisor's board,
and the monthly report downloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.children.models import ChildFile
from hotline.escalation.chaser import chase_overdue
from hotline.extensions import db
from hotline.models import Ticket
from hotline.settings import current_settings
from tests.web.helpers import ensure_user

SHEET = (
    "name,gender,birth_date,street,address,situations,risk,guardian_name,guardian_relation,guardian_phone\n"
    "王小花,female,2016-05-04,jiangyuan,幸福路1号,left_behind;poor_family,high,王奶奶,祖母,+8613800001111\n"
    "李小明,male,2012-01-20,jiangyuan,和平里3号,disabled,low,李父,父亲,\n"
    "赵小军,male,2019-11-11,zhengcha,,street_child,medium,,,\n"
)


def test_a_street_office_day(site, tmp_path):
    ensure_user("sup", "supervisor")
    ensure_user("jy", "liaison", bureau="street:jiangyuan")
    ensure_user("edu", "liaison", bureau="education")

    # The center imports the survey sheet.
    sheet = tmp_path / "survey.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    desk = site.page()
    site.sign_in(desk, "sup")
    desk.goto("/children/import")
    desk.get_by_label("摸底调查表（XLSX 或 CSV）").set_input_files(str(sheet))
    desk.get_by_role("button", name="导入", exact=True).click()
    assert "新建档案 3 份" in desk.locator("#import-result").inner_text()

    # The street office, on a phone, sees its street's children only.
    phone = site.page(width=390, height=844)
    site.sign_in(phone, "jy")
    phone.get_by_role("link", name="专项档案").click()
    listing = phone.locator("#children-list")
    assert "王小花" in listing.inner_text() and "李小明" in listing.inner_text()
    assert "赵小军" not in listing.inner_text()

    # It records a school visit with a referral to the education bureau.
    listing.locator("li", has_text="王小花").get_by_role("link", name="记录走访").click()
    phone.get_by_label("到校走访").check()
    phone.get_by_label("走访情况").fill("孩子已两周未到校，祖母无力劝返。")
    phone.get_by_label("心理疏导").check()
    phone.get_by_label("帮扶转介（转交相关部门办理）").check()
    phone.get_by_label("教育保护").check()
    phone.get_by_label("需要帮助的情况").fill("孩子辍学两周，请教育局劝返复学。")
    phone.get_by_label("紧急程度").select_option("urgent")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    site.shot(phone, "children-visit-form-phone")
    phone.get_by_role("button", name="保存走访记录").click()
    flash = phone.locator(".flash.success").inner_text()
    assert "转介工单" in flash

    # The referral was dispatched by the rules: the education bureau leads, the street office assists.
    db.session.expire_all()
    referral = db.session.scalars(sa.select(Ticket).where(Ticket.channel == "visit")).one()
    assert referral.status == "dispatched" and referral.number in flash
    assert {(a.department.code, a.role) for a in referral.assignments} >= {
        ("education", "lead"),
        ("street:jiangyuan", "assist"),
    }
    assert referral.number in phone.locator("#child-tickets").inner_text()
    education = site.page()
    site.sign_in(education, "edu")
    assert referral.number in education.locator("#pending-list").inner_text()

    # Another file's visit falls late; the chaser runs; the supervisor's board shows it.
    late = db.session.scalars(sa.select(ChildFile).filter_by(name="李小明")).one()
    late.next_visit_due_at = datetime.now(UTC) - timedelta(days=3)
    late.next_escalation_at = datetime.now(UTC) - timedelta(days=3)
    db.session.commit()
    chase_overdue(datetime.now(UTC), tz=current_settings().timezone)
    desk.goto("/supervisor/")
    queue = desk.locator("#overdue-queue")
    assert late.number in queue.inner_text() and "走访" in queue.inner_text()
    site.shot(desk, "children-late-visit-on-board")

    # The monthly report: printable page with charts, and the workbook.
    desk.get_by_role("link", name="月报").click()
    assert desk.locator("svg").count() >= 2
    with desk.expect_download() as download:
        desk.locator("#download-xlsx").click()
    path = download.value.path()
    assert open(path, "rb").read(2) == b"PK"
