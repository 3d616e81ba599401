"""Staff at work in a real browser: an operator logs a call, a liaison signs for and gives
final feedback, a supervisor closes the ticket and sees the figures change."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from hotline.extensions import db
from hotline.intake.calls import record_call
from hotline.models import Ticket
from tests.web.helpers import days_ago, ensure_user, judicial_ticket, make_ticket, to_awaiting_verification


def escalate(assignment, level: int) -> None:
    """The chaser's record that a ladder level fired for this deadline (what the board colours by)."""
    from hotline.models import EscalationStep

    db.session.add(
        EscalationStep(
            assignment_id=assignment.id,
            deadline_kind="sign",
            due_at=assignment.sign_due_at,
            level=level,
            fired_at=datetime.now(UTC),
        )
    )
    db.session.commit()


def test_operator_logs_a_call_with_a_live_preview(site):
    operator = ensure_user("op", "operator")
    earlier, _secret = make_ticket(operator, reporter={"phone": "+8613700000077"})
    record_call("CA_browser", "+8613700000077", "+8610000000000", datetime.now(UTC))
    page = site.page()
    site.sign_in(page, "op")
    assert page.url.endswith("/operator/")
    calls = page.locator("#active-calls")
    assert "+8613700000077" in calls.inner_text()
    calls.get_by_role("link", name="登记此来电").click()

    assert page.get_by_label("来电人电话").input_value() == "+8613700000077"
    assert earlier.number in page.locator("#caller-history").inner_text()
    page.get_by_label("紧急程度").select_option("urgent")
    page.get_by_label("医疗保护").check()
    page.get_by_label("街道或镇").select_option("zhengcha")
    preview = page.locator("#preview-body")
    preview.locator(".badge", has_text="区医保局").wait_for()  # the preview followed the form as it changed
    assert "正岔街道办事处" in preview.inner_text()
    page.get_by_label("情况描述").fill("孩子发高烧两天没人照顾，父亲在外打工，奶奶行动不便。")
    page.get_by_label("孩子姓名").fill("小红")
    page.get_by_label("孩子年龄").fill("6")
    site.shot(page, "operator-log-call")
    page.get_by_role("button", name="登记并派单").click()

    assert re.fullmatch(r"\d{6}", page.locator("#secret").inner_text().strip())
    assert "区医保局" in page.locator("main").inner_text()
    site.shot(page, "operator-call-registered")
    db.session.expire_all()
    ticket = db.session.scalar(sa.select(Ticket).filter_by(call_sid="CA_browser"))
    assert ticket.status == "dispatched" and ticket.reporter_phone == "+8613700000077"

    page.get_by_role("link", name="打开工单").click()
    assert "区医保局" in page.locator("main").inner_text()
    assert "登记受理" in page.locator("#h-timeline + ol").inner_text()


def test_liaison_signs_for_and_gives_final_feedback(site):
    ensure_user("li", "liaison", bureau="public_security")
    ticket = judicial_ticket()
    page = site.page(width=390, height=844)  # a liaison on a phone
    site.sign_in(page, "li")
    assert page.url.endswith("/liaison/")
    pending = page.locator("#pending")
    assert ticket.number in pending.inner_text() and "剩余" in pending.inner_text()
    site.shot(page, "liaison-inbox")
    pending.get_by_role("button", name="签收").click()
    assert "已签收" in page.locator(".flash").inner_text()
    assert ticket.number in page.locator("#in-progress").inner_text()

    page.locator("#in-progress").get_by_role("link", name="反馈、延期").click()
    form = page.locator(f"#feedback-{ticket.assignments[0].id}")
    form.get_by_label("办理情况").fill("已会同派出所上门核查，孩子已由亲属接回照顾，并联系学校跟进。")
    form.get_by_label("这是最终反馈").check()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    form.get_by_role("button", name="提交反馈").click()
    page.wait_for_load_state()
    assert asked and "最终反馈" in asked[0]  # final feedback asks first
    assert "反馈已提交" in page.locator(".flash").inner_text()
    assert "待审核" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    site.shot(page, "liaison-final-feedback")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "awaiting_verification"


def test_supervisor_closes_the_ticket_and_sees_the_figures_change(site):
    ensure_user("sup", "supervisor")
    ticket = to_awaiting_verification(judicial_ticket())
    # Urgent: sign-for due 2 hours after dispatch, in clock time, whatever the calendar says.
    late = [judicial_ticket(now=days_ago(days), urgency="urgent") for days in (3, 2, 1)]
    for level, item in zip((3, 1), late, strict=False):
        escalate(item.assignments[0], level)
    page = site.page()
    site.sign_in(page, "sup")
    assert page.url.endswith("/supervisor/")
    assert ticket.number in page.locator("#verify").inner_text()
    queue = page.locator("#overdue-queue li")
    assert [queue.nth(i).locator("a").inner_text() for i in range(3)] == [t.number for t in late]  # most overdue first
    assert [queue.nth(i).get_attribute("class") for i in range(3)] == ["lvl-3", "lvl-1", "lvl-0"]
    site.shot(page, "supervisor-board")

    # The queue refreshes in place (no page load): a newly late ticket appears.
    page.evaluate("window.stillHere = true")
    newly_late = judicial_ticket(now=days_ago(0.5), urgency="urgent")
    db.session.commit()
    page.locator("#refresh-now").click()
    page.locator("#overdue-queue", has_text=newly_late.number).wait_for()
    assert page.evaluate("window.stillHere") is True

    page.get_by_role("link", name="统计").first.click()
    assert page.locator('[data-status="closed"]').inner_text() == "0"
    assert page.locator('[data-status="awaiting_verification"]').inner_text() == "1"
    assert page.locator("#rates-chart svg").count() == 1 and page.locator("#weekly-chart svg").count() == 1

    page.goto("/supervisor/")
    page.locator("#verify").get_by_role("link", name="审核办结").click()
    close = page.locator("#close-form")
    close.get_by_label("备注").fill("已电话核实，孩子情况稳定，办结。")
    close.get_by_role("button", name="办结工单").click()
    assert "工单已办结" in page.locator(".flash").inner_text()
    assert "已办结" in page.locator("h1").inner_text()

    page.goto("/supervisor/figures")
    assert page.locator('[data-status="closed"]').inner_text() == "1"
    assert page.locator('[data-status="awaiting_verification"]').inner_text() == "0"
    revisited = page.locator('tr[data-bureau="public_security"] td').nth(7).inner_text()
    assert "(0/1)" in revisited  # a closed ticket now counts towards the revisit rate
    site.shot(page, "supervisor-figures")
