"""Working together on a ticket in a real browser, on a desktop (1366×768) and a phone (390×844):
an operator finds a ticket by the child's name, writes a note, attaches a photo, takes a
department off and prints the work order; the lead's liaison sees the new note on their phone;
a supervisor records the department's phoned-in feedback (代反馈)."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Attachment, Feedback, Note
from tests.web.helpers import ensure_user, make_ticket

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 48


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_center_searches_notes_attaches_withdraws_and_prints(site):
    operator = ensure_user("op", "operator")
    ticket, _secret = make_ticket(operator)  # civil affairs leads, the jiangyuan street office assists
    make_ticket(operator, child={"name": "小华"}, reporter={"phone": "+8613500000001"})
    street = next(a for a in ticket.assignments if a.role == "assist")

    page = site.page(**DESKTOP)
    site.sign_in(page, "op")
    page.goto("/tickets/")
    page.get_by_label("搜索").fill("小明")
    page.get_by_role("button", name="搜索并筛选").click()
    items = page.locator(".ticket-item")
    assert items.count() == 1 and ticket.number in items.inner_text()
    site.shot(page, "collab-search-desktop")
    items.get_by_role("link", name=ticket.number).click()

    notes = page.locator("#notes")
    notes.get_by_label("留言（热线中心和承办部门可见）").fill("已电话联系报告人，孩子目前由邻居临时照看。")
    notes.get_by_role("button", name="添加留言").click()
    assert "留言已添加" in page.locator(".flash").inner_text()
    assert "已电话联系报告人" in page.locator("#notes").inner_text()

    attachments = page.locator("#attachments")
    attachments.get_by_label("文件（JPEG、PNG 或 PDF，不超过 10 MB）").set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    attachments.get_by_role("button", name="上传附件").click()
    assert "附件已上传" in page.locator(".flash").inner_text()
    assert "现场照片.png" in page.locator("#attachments").inner_text()

    withdraw = page.locator(f"#withdraw-{street.id}")
    withdraw.locator("summary").click()
    withdraw.get_by_role("button", name="确认撤回").click()  # no reason: refused, the section stays open
    assert page.locator(f"#withdraw-{street.id}[open]").count() == 1
    withdraw = page.locator(f"#withdraw-{street.id}")
    withdraw.get_by_label("理由").fill("孩子实际住在正岔街道，与江源街道无关。")
    withdraw.get_by_role("button", name="确认撤回").click()
    assert "已撤回该承办部门" in page.locator(".flash").inner_text()
    assert "已撤回" in page.locator(f"#assignment-{street.id}").inner_text()
    site.shot(page, "collab-ticket-desktop")

    page.get_by_role("link", name="打印工单").click()
    order = page.locator(".workorder")
    assert ticket.number in order.inner_text() and "已电话联系报告人" in order.inner_text()
    assert "区民政局" in order.inner_text()
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#print-now").is_hidden()
    site.shot(page, "collab-print-desktop")
    page.emulate_media(media="screen")

    db.session.expire_all()
    assert db.session.get(Assignment, street.id).status == "withdrawn"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Note)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


def test_a_liaison_reads_the_new_note_and_a_supervisor_records_feedback_for_the_department_on_a_phone(site):
    from hotline.tracking.notes import add_note
    from hotline.tracking.services import accept_assignment

    operator = ensure_user("op", "operator")
    ensure_user("li", "liaison", bureau="civil_affairs")
    ensure_user("sup", "supervisor")
    ticket, _secret = make_ticket(operator)
    lead = next(a for a in ticket.assignments if a.role == "lead")
    add_note(ticket.id, "请民政局优先核实低保情况。", actor=operator, now=ticket.created_at)

    page = site.page(**PHONE)
    site.sign_in(page, "li")
    badge = page.locator(f'.ticket-item[data-ticket="{ticket.id}"] .badge.unread').first
    assert "新留言 1 条" in badge.inner_text()
    site.shot(page, "collab-inbox-phone")
    badge.click()
    assert "请民政局优先核实低保情况" in page.locator("#notes").inner_text()
    fits(page, PHONE["width"])
    site.shot(page, "collab-ticket-phone")

    accept_assignment(lead.id, actor=ensure_user("li", "liaison", bureau="civil_affairs"), now=ticket.created_at)
    db.session.commit()
    page = site.page(**PHONE)
    site.sign_in(page, "sup")
    page.goto(f"/tickets/{ticket.id}")
    form = page.locator(f"#on-behalf-{lead.id}")
    form.locator("summary").click()
    form.get_by_label("部门反馈的办理情况（电话或书面）").fill("民政局电话告知：已核实，已纳入临时救助。")
    form.get_by_label("这是该部门的办结反馈").check()
    form.get_by_role("button", name="提交代反馈").click()
    assert "已代部门反馈" in page.locator(".flash").inner_text()
    assert "代反馈" in page.locator(f"#assignment-{lead.id}").inner_text()
    fits(page, PHONE["width"])
    site.shot(page, "collab-on-behalf-phone")

    db.session.expire_all()
    feedback = db.session.scalars(sa.select(Feedback)).one()
    assert feedback.on_behalf and feedback.final
