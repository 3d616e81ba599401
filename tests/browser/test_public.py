"""A member of the public reports a child on a phone-sized screen, then looks the report up."""

from __future__ import annotations

import re

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket


def test_public_report_then_its_look_up(site):
    page = site.page(width=360, height=780)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "110" in page.locator(".emergency").first.inner_text()
    # Nothing wider than the screen: usable at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("孩子遇到了什么情况？").fill("邻居家的孩子经常一个人在家，晚上听到哭声，已经好几天没去上学。")
    page.get_by_label("孩子所在街道或镇").select_option("chengqiang")
    page.get_by_label("孩子年龄（选填）").fill("9")
    page.get_by_label("教育保护").check()
    page.get_by_label("匿名报告").check()
    site.shot(page, "public-report-form")
    page.get_by_role("button", name="提交报告").click()

    code = page.locator("#tracking-code").inner_text().strip()
    secret = page.locator("#secret").inner_text().strip()
    assert re.fullmatch(r"\d{10}", code) and re.fullmatch(r"\d{6}", secret)
    assert "110" in page.locator(".emergency").inner_text()
    site.shot(page, "public-report-done")

    db.session.expire_all()
    ticket = db.session.scalar(sa.select(Ticket).filter_by(tracking_code=code))
    assert ticket.channel == "web" and ticket.status == "new" and ticket.reporter_anonymous

    page.get_by_role("link", name="查询进度").first.click()
    page.get_by_label("查询码（10位数字）").fill(code)
    page.get_by_label("密码（6位数字）").fill(secret)
    page.get_by_role("button", name="查询").click()
    result = page.locator("#status-result")
    assert code in result.inner_text()
    assert page.locator("#public-status").inner_text() == "已受理"
    assert "我们已收到您的报告" in result.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    site.shot(page, "public-status")

    page.get_by_label("密码（6位数字）").fill("000000" if secret != "000000" else "111111")
    page.get_by_label("查询码（10位数字）").fill(code)
    page.get_by_role("button", name="查询").click()
    assert "查询码或密码不正确" in page.locator(".problems").inner_text()
