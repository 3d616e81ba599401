"""Working together on a ticket in a real browser, on a phone (390x844) and a desktop (1366x768),
as the people would do it (CONTRACT "Working together on a ticket", issue 14):

- an operator finds a ticket by the child's name, writes a note, attaches a photo (a file that
  is no image is refused beside the field), takes the street office off the ticket (撤回: an
  empty reason is refused, the section stays open; the step asks for a confirmation), and
  prints the work order;
- a supervisor records the lead department's phoned-in final feedback (代反馈) although it
  never signed for the ticket in the app: the ticket goes to verification;
- the lead's liaison finds the ticket among its finished ones, with the new-note badge, by
  searching its number, and reads the note.

Screenshots: test-artifacts/collab-*-{phone,desktop}.png.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Attachment, Feedback, Note, Ticket
from tests.web.helpers import ensure_user, make_ticket

SIZES = {"phone": (390, 844), "desktop": (1366, 768)}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(params=sorted(SIZES))
def size(request):
    return request.param


def _fits(page, size: str) -> None:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]


def _open(page, section) -> None:
    """Open a collapsed <details> section the way a person does (a tap on its summary)."""
    if section.get_attribute("open") is None:
        section.locator("summary").click()


def test_search_note_attachment_withdraw_on_behalf_and_print(site, size):
    operator = ensure_user("op", "operator")
    ensure_user("sup", "supervisor")
    ensure_user("li", "liaison", bureau="civil_affairs")
    ticket, _secret = make_ticket(operator)  # civil affairs leads, the jiangyuan street office assists
    other, _secret = make_ticket(operator, child={"name": "小华"}, reporter={"phone": "+8613500000001"})
    lead = next(a for a in ticket.assignments if a.role == "lead")
    street = next(a for a in ticket.assignments if a.role == "assist")

    # --- the operator: search, note, attachment, withdraw, print --------------------------------
    page = site.page(*SIZES[size])
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations a person answers 确定
    site.sign_in(page, "op")
    page.goto("/tickets/")
    page.get_by_label("搜索", exact=True).fill("小明")
    page.get_by_role("button", name="搜索并筛选").click()
    items = page.locator(".ticket-item")
    assert items.count() == 1 and ticket.number in items.inner_text() and other.number not in items.inner_text()
    assert page.get_by_label("搜索", exact=True).input_value() == "小明"  # the box keeps what was typed
    _fits(page, size)
    site.shot(page, f"collab-search-{size}")
    items.get_by_role("link", name=ticket.number).click()

    notes = page.locator("#notes")
    notes.get_by_label("留言（热线中心和承办部门可见）").fill("已电话联系报告人，孩子目前由邻居临时照看。")
    notes.get_by_role("button", name="添加留言").click()
    assert "留言已添加" in page.locator(".flash").inner_text()
    assert "已电话联系报告人" in page.locator("#notes").inner_text()

    upload = page.locator("#attachments").get_by_label("文件（JPEG、PNG 图片或 PDF 文档，不超过 10 兆字节）")
    upload.set_input_files(files=[{"name": "照片.png", "mimeType": "image/png", "buffer": b"not an image"}])
    page.locator("#attachments").get_by_role("button", name="上传附件").click()
    assert "只接受 JPEG、PNG 或 PDF" in page.locator("#attachments").inner_text()  # beside the field
    upload = page.locator("#attachments").get_by_label("文件（JPEG、PNG 图片或 PDF 文档，不超过 10 兆字节）")
    upload.set_input_files(files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}])
    page.locator("#attachments").get_by_role("button", name="上传附件").click()
    assert "附件已上传" in page.locator(".flash").inner_text()
    link = page.locator("#attachments").get_by_role("link", name="现场照片.png")
    opened = page.request.get(link.get_attribute("href"))
    assert opened.status == 200 and opened.body() == PNG and opened.headers["content-type"] == "image/png"

    withdraw = page.locator(f"#withdraw-{street.id}")
    _open(page, withdraw)
    withdraw.get_by_role("button", name="确认撤回").click()  # no reason: refused, the section stays open
    assert page.locator(f"#withdraw-{street.id}[open]").count() == 1
    withdraw = page.locator(f"#withdraw-{street.id}")
    withdraw.get_by_label("理由").fill("孩子实际住在正岔街道，与江源街道无关。")
    withdraw.get_by_role("button", name="确认撤回").click()
    assert "已撤回该承办部门" in page.locator(".flash").inner_text()
    assert "已撤回" in page.locator(f"#assignment-{street.id}").inner_text()
    _fits(page, size)
    site.shot(page, f"collab-ticket-{size}")

    page.get_by_role("link", name="打印工单").click()
    order = page.locator(".workorder")
    for shown in (ticket.number, "区民政局", "已撤回", "已电话联系报告人", "签收期限", "反馈期限"):
        assert shown in order.inner_text(), shown
    assert page.locator(".timeline").count() == 0  # no access-log rows on paper
    _fits(page, size)
    site.shot(page, f"collab-print-{size}")
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#print-now").is_hidden()
    site.shot(page, f"collab-print-paper-{size}")

    # --- the supervisor: the department answered by phone (代反馈) -------------------------------
    page = site.page(*SIZES[size])
    page.on("dialog", lambda dialog: dialog.accept())
    site.sign_in(page, "sup")
    page.goto(f"/tickets/{ticket.id}")
    behalf = page.locator(f"#on-behalf-{lead.id}")
    _open(page, behalf)
    assert "将同时代其签收" in behalf.inner_text()  # it never signed for it in the app
    behalf.get_by_label("部门反馈的办理情况（电话或书面）").fill("民政局电话告知：已核实，已纳入临时救助。")
    behalf.get_by_label("这是该部门的办结反馈").check()
    behalf.get_by_role("button", name="提交代反馈").click()
    assert "已代部门反馈" in page.locator(".flash").inner_text()
    assert "代反馈" in page.locator(f"#assignment-{lead.id}").inner_text()
    timeline = page.locator(".timeline").inner_text()
    assert "代签收" in timeline and "代反馈" in timeline and "recorded by" not in timeline
    assert "待审核" in page.locator("h1").inner_text()  # everyone left has finished
    _fits(page, size)
    site.shot(page, f"collab-on-behalf-{size}")

    # --- the lead's liaison: its finished tickets, the new note, the search box -----------------
    page = site.page(*SIZES[size])
    site.sign_in(page, "li")
    page.goto("/liaison/history")
    item = page.locator("#history-list .ticket-item", has_text=ticket.number)
    assert "新留言 1 条" in item.inner_text()
    page.get_by_label("查找工单").fill(ticket.number)
    page.locator("#liaison-search").get_by_role("button", name="搜索").click()
    found = page.locator(".ticket-item")
    assert found.count() == 1 and ticket.number in found.inner_text()
    _fits(page, size)
    site.shot(page, f"collab-liaison-search-{size}")
    found.locator(".badge.unread").click()
    assert "已电话联系报告人" in page.locator("#notes").inner_text()
    assert "现场照片.png" in page.locator("#attachments").inner_text()
    _fits(page, size)

    db.session.expire_all()
    assert db.session.get(Assignment, street.id).status == "withdrawn"
    assert db.session.get(Assignment, lead.id).status == "completed"
    assert db.session.get(Ticket, ticket.id).status == "awaiting_verification"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Note)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1
    feedback = db.session.scalars(sa.select(Feedback)).one()
    assert feedback.on_behalf and feedback.final
