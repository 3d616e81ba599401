"""Issue 14 in a real browser, on a phone (390x844) and a desktop (1366x768): a reload files
nothing twice, an expired session keeps what was typed, errors open their section and take
the focus, confirmations are asked, the public form explains itself, the liaison's badge."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket
from tests.web.helpers import ensure_user, judicial_ticket, to_awaiting_verification

SIZES = {"phone": (390, 844), "desktop": (1366, 768)}


@pytest.fixture(params=sorted(SIZES))
def size(request):
    return request.param


def _fits(page, size: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]


def test_public_report_reload_files_nothing_and_the_form_explains_itself(site, size):
    page = site.page(*SIZES[size])
    page.goto("/")
    description = page.get_by_label("孩子遇到了什么情况？")
    description.fill("孩子每天放学后一个人在河边玩，没有大人看护，已经连续一周。")
    assert page.locator("#description-count").inner_text().startswith("29 / 5000")
    assert page.get_by_label("您的电话（选填，便于回访）").get_attribute("type") == "tel"
    assert "无法回访" in page.locator("#anonymous-hint").inner_text()
    assert "孩子没有上学" in page.locator("#protection_types").inner_text()  # 教育保护 in plain words
    assert page.get_by_label("孩子性别（选填）").locator("option", has_text="不清楚").count() == 1
    assert page.get_by_label("孩子性别（选填）").locator("option", has_text="不详").count() == 0
    page.get_by_label("孩子所在街道或镇").select_option("chengqiang")
    page.get_by_label("您的电话（选填，便于回访）").fill("138 0000 5678")
    site.shot(page, f"issue14-public-form-{size}")
    page.get_by_role("button", name="提交报告").click()
    assert page.url.endswith("/report/received")
    secret = page.locator("#secret").inner_text().strip()
    page.reload()
    assert page.locator("#receipt-gone").is_visible() and secret not in page.content()
    _fits(page, size)
    site.shot(page, f"issue14-public-reload-{size}")
    db.session.expire_all()
    tickets = db.session.scalars(sa.select(Ticket)).all()
    assert len(tickets) == 1 and tickets[0].reporter_phone == "+8613800005678"


def test_an_expired_session_keeps_the_half_logged_call(site, size):
    ensure_user("op14", "operator")
    page = site.page(*SIZES[size])
    site.sign_in(page, "op14")
    page.goto("/operator/calls/new")
    assert page.get_by_label("来源渠道").input_value() == "phone"  # 登记来电 defaults to 电话
    page.get_by_label("情况描述").fill("来电人说邻居家孩子常被打骂，晚上听到哭喊声。")
    page.get_by_label("孩子姓名").fill("小军")
    page.get_by_label("主要保护类型").select_option("judicial")
    page.wait_for_timeout(300)
    page.context.clear_cookies()  # the session expires while the operator types
    page.get_by_role("button", name="登记并派单").click()
    assert "/login" in page.url and "填写的内容" in page.locator(".flash").inner_text()
    page.get_by_label("用户名").fill("op14")
    page.get_by_label("密码").fill("secret-pw-long")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/operator/calls/new")  # back to the form the session expired on
    page.locator(".draft-restored").wait_for()
    assert page.get_by_label("情况描述").input_value() == "来电人说邻居家孩子常被打骂，晚上听到哭喊声。"
    assert page.get_by_label("孩子姓名").input_value() == "小军"
    assert page.get_by_label("主要保护类型").input_value() == "judicial"
    assert page.locator(".draft-restored").is_visible()
    _fits(page, size)
    site.shot(page, f"issue14-draft-restored-{size}")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0  # nothing was saved meanwhile


def test_errors_open_their_section_and_confirmations_are_asked(site, size):
    ensure_user("sup14", "supervisor")
    ticket = judicial_ticket()
    page = site.page(*SIZES[size])
    site.sign_in(page, "sup14")
    page.goto(f"/tickets/{ticket.id}")
    page.locator("summary", has_text="撤销（重复或无效）").click()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="撤销工单").click()  # no reason given
    page.wait_for_load_state()
    assert asked and "撤销" in asked[0]
    reason = page.locator("#cancel-reason")
    assert reason.is_visible()  # the collapsed section opened by itself
    assert page.evaluate("document.activeElement.id") == "cancel-reason"
    _fits(page, size)
    site.shot(page, f"issue14-error-opens-section-{size}")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status != "cancelled"


def test_the_liaison_badge_history_and_final_feedback_correction(site, size):
    ensure_user("li14", "liaison", bureau="public_security")
    done = to_awaiting_verification(judicial_ticket())
    fresh = judicial_ticket()
    page = site.page(*SIZES[size])
    site.sign_in(page, "li14")
    badge = page.locator("#new-work")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    assert page.locator(f"text={fresh.number}").count() == 1  # each ticket once in the inbox
    page.get_by_role("link", name="已办结").click()
    assert done.number in page.locator("#history-list").inner_text()
    page.get_by_role("link", name=done.number).click()
    page.locator("summary", has_text="更正最终反馈").click()
    page.locator(f"#correction-{done.assignments[0].id} textarea").fill("更正：孩子已由外婆接回照顾，学校每周回访。")
    page.get_by_role("button", name="提交更正").click()
    assert "更正的反馈已记录" in page.locator(".flash").inner_text()
    assert "最终（更正）" in page.locator(f"#assignment-{done.assignments[0].id}").inner_text()
    _fits(page, size)
    site.shot(page, f"issue14-liaison-correction-{size}")
