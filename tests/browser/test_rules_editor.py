"""The dispatch rules editor in a real browser, as an administrator who is not a programmer
uses it: on a desktop (1366x768) and on a phone (390x844), with the pickers, the order and the
preview beside the rule. Screenshots go to test-artifacts/rules-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hotline.dispatch.services import get_rules
from hotline.extensions import db
from tests.browser.test_work_is_never_lost import SIZES, _fits
from tests.web.helpers import ensure_user


def _current() -> dict:
    db.session.expire_all()
    return get_rules()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_add_a_rule_with_the_pickers_and_watch_the_preview(site, size):
    ensure_user("rules-admin", "admin")
    page = site.page(*SIZES[size])
    site.sign_in(page, "rules-admin")
    page.get_by_role("navigation").get_by_role("link", name="派单规则").click()
    assert page.locator("#rule-1 h3").inner_text() == "救助保护默认规则"
    assert "主要保护类型：救助保护" in page.locator("#rule-1").inner_text()

    # The sample beside the list follows the pickers (the rules in force).
    page.locator("#sample-form").get_by_label("主要保护类型").select_option(label="医疗保护")
    page.locator("#sample-form").get_by_label("街道或镇").select_option(label="正岔街道")
    page.locator("#preview-departments", has_text="区医保局").wait_for()
    assert "正岔街道办事处" in page.locator("#preview-departments").inner_text()
    _fits(page, size)
    site.shot(page, f"rules-list-{size}")

    page.get_by_role("link", name="新增规则").click()
    page.get_by_label("规则名称").fill("流浪儿童先送救助站")
    page.get_by_label("顺序（1 = 最先对照）").fill("1")
    page.locator("#more-conditions > summary").click()
    page.locator("#when_subject_categories").get_by_label("流浪儿童").check()
    page.get_by_label("主办部门").select_option(label="区救助管理站")
    page.locator("#assist").get_by_label("儿童所在街道办事处").check()
    page.locator("#assist").get_by_label("区公安局").check()
    # Beside it, a sample street child: the draft rule decides, live.
    sample = page.locator("#sample-fields")
    sample.get_by_label("主要保护类型").select_option(label="救助保护")
    sample.locator("summary").click()
    sample.locator("#sample-categories").get_by_label("流浪儿童").check()
    page.locator("#preview-departments", has_text="区救助管理站").wait_for()
    assert "由第1条规则决定" in page.locator("#rule-preview").inner_text()
    assert _current()["version"] == 1  # trying stores nothing
    _fits(page, size)
    site.shot(page, f"rules-new-rule-{size}")
    page.get_by_role("button", name="新增此规则").click()

    assert "已保存" in page.locator(".flash.success").inner_text()
    assert page.locator("#rule-1 h3").inner_text() == "流浪儿童先送救助站"
    card = page.locator("#rule-1").inner_text()
    assert "儿童类别：流浪儿童" in card and "区救助管理站" in card and "儿童所在街道办事处、区公安局" in card
    rules = _current()["rules"]
    assert rules[0]["then"] == {"lead": "relief_station", "assist": ["street", "public_security"]}

    # Down one place with its button, then back to the top by its number.
    page.get_by_role("button", name="第1条规则下移").click()
    expect(page.locator("#rule-2 h3")).to_have_text("流浪儿童先送救助站")  # once the saved list is back
    page.get_by_label("序号").nth(1).fill("1")
    page.get_by_role("button", name="保存顺序").click()
    expect(page.locator("#rule-1 h3")).to_have_text("流浪儿童先送救助站")
    expect(page.locator(".flash.success")).to_contain_text("第 4 版")
    assert _current()["version"] == 4
    site.shot(page, f"rules-reordered-{size}")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_errors_take_the_focus_and_keep_the_ticks(site, size):
    ensure_user("rules-admin", "admin")
    page = site.page(*SIZES[size])
    site.sign_in(page, "rules-admin")
    page.goto("/admin/rules/3")
    page.get_by_label("规则名称").fill("")
    page.locator("#assist").get_by_label("区司法局").check()
    page.locator("#deadlines > summary").click()
    page.locator("#dl_urgent_feedback_amount").fill("3")
    page.locator("#dl_urgent_feedback_unit").select_option(label="个工作日")
    page.get_by_role("button", name="保存规则").click()

    expect(page.locator("#name")).to_be_focused()
    assert "名称必填" in page.locator("#name-errors").inner_text()
    assert page.locator("#assist").get_by_label("区司法局").is_checked()
    assert page.locator("#dl_urgent_feedback_amount").input_value() == "3"
    assert page.locator("#deadlines").get_attribute("open") is not None
    _fits(page, size)
    site.shot(page, f"rules-error-{size}")
    page.get_by_label("规则名称").fill("司法保护（含司法局）")
    page.get_by_role("button", name="保存规则").click()
    assert "已保存" in page.locator(".flash.success").inner_text()
    rule = _current()["rules"][2]
    assert rule["name"] == "司法保护（含司法局）" and rule["then"]["assist"] == ["justice"]
    assert rule["then"]["deadlines"] == {
        "urgent": {"feedback": {"unit": "days", "amount": 3, "calendar": "working_days"}}
    }


def test_import_errors_open_their_section(site):
    ensure_user("rules-admin", "admin")
    page = site.page(*SIZES["desktop"])
    site.sign_in(page, "rules-admin")
    page.goto("/admin/rules")
    page.locator("#import > summary").click()
    page.get_by_label("或在此粘贴 JSON").fill('[{"name": "x", "then": {"lead": "nowhere"}}]')
    page.once("dialog", lambda dialog: dialog.accept())  # 确定用导入的规则替换…？
    page.get_by_role("button", name="导入并保存").click()
    expect(page.locator("#import-text")).to_be_focused()  # the refused page is back, its section open
    assert page.locator("#import").get_attribute("open") is not None
    assert "第1条规则「x」·主办部门：未知部门：nowhere" in page.locator("#import-errors").inner_text()
    site.shot(page, "rules-import-error-desktop")
    assert _current()["version"] == 1


def test_drag_a_rule_by_its_number(site):
    ensure_user("rules-admin", "admin")
    page = site.page(*SIZES["desktop"])
    site.sign_in(page, "rules-admin")
    page.goto("/admin/rules")
    names = [r["name"] for r in _current()["rules"]]
    page.evaluate("document.getElementById('rule-1').scrollIntoView()")  # both in sight: a person drags what they see
    handle, target = page.locator("#rule-3 .rule-no").bounding_box(), page.locator("#rule-1").bounding_box()
    page.mouse.move(handle["x"] + 8, handle["y"] + 8)
    page.mouse.down()
    page.mouse.move(handle["x"] + 12, handle["y"] + 2, steps=3)
    page.mouse.move(target["x"] + 20, target["y"] + 5, steps=10)
    page.mouse.up()
    assert page.locator("#order-changed").is_visible()
    assert page.locator("#order-2").input_value() == "1"
    page.get_by_role("button", name="保存顺序").click()
    expect(page.locator(".flash.success")).to_contain_text("新顺序已保存")
    assert [r["name"] for r in _current()["rules"]] == [names[2], names[0], names[1], *names[3:]]
