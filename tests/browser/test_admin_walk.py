"""Issue 14 in a real browser, on a phone (390x844) and a desktop (1366x768), for the admin and
supervisor side: departments and streets added and renamed reach the operator's forms; a user
edited and their password reset; one's own password changed; the sent SMS a supervisor reads."""

from __future__ import annotations

import pytest

from hotline.extensions import db
from hotline.models import User
from tests.browser.test_work_is_never_lost import SIZES, _fits
from tests.web.helpers import REPORT, ensure_user, judicial_ticket


def _flash(page) -> str:
    return page.locator(".flash").inner_text()


def _add(page, section: str, code: str, name: str, button: str) -> None:
    """Open the folded 'add' section on the departments page and add one item."""
    adding = page.locator("details", has_text=section)
    adding.locator("summary").click()
    adding.get_by_label("代码（小写字母、数字或下划线，保存后不能修改）").fill(code)
    adding.get_by_label("名称", exact=True).fill(name)
    adding.get_by_role("button", name=button).click()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_an_admin_adds_departments_and_streets_and_the_forms_offer_them(site, size):
    ensure_user("adm14", "admin")
    ensure_user("op14", "operator")
    dept, street = f"youth_league_{size}", f"hexi_{size}"  # one per size: nothing shared between runs
    page = site.page(*SIZES[size])
    site.sign_in(page, "adm14")
    page.get_by_role("link", name="系统管理").click()
    page.locator("main").get_by_role("link", name="承办部门").click()
    assert page.get_by_role("heading", name="部门与联系人").is_visible()

    _add(page, "新增部门", dept, "区少工委", "添加部门")
    assert "已保存，表单和规则立即使用新内容。" in _flash(page)
    assert "区少工委" in page.locator(f"#dept-{dept}").inner_text()

    _add(page, "新增街道或镇", street, "河西街道", "添加街道")
    assert "已保存" in _flash(page)
    assert "河西街道" in page.locator(f"#street-{street}").inner_text()
    site.shot(page, f"issue14-admin-departments-added-{size}")

    page.locator(f"#dept-{dept}").get_by_role("link", name="编辑").click()
    page.locator("#department-form").get_by_label("名称", exact=True).fill("区少先队工作委员会")
    page.get_by_role("button", name="保存名称").click()
    assert "已保存" in _flash(page)
    row = page.locator(f"#dept-{dept}").inner_text()
    assert "区少先队工作委员会" in row and "区少工委" not in page.locator("#departments").inner_text()
    _fits(page, size)
    site.shot(page, f"issue14-admin-department-renamed-{size}")

    user = ensure_user("walk-li14", "liaison", bureau="public_security")
    page.goto(f"/admin/users/{user.id}")
    assert page.get_by_label("部门（联络员必填）").locator("option", has_text="区少先队工作委员会").count() == 1

    operator = site.page(*SIZES[size])
    site.sign_in(operator, "op14")
    operator.goto("/operator/calls/new")
    choices = operator.get_by_label("街道或镇", exact=True)
    assert choices.locator("option", has_text="河西街道").count() == 1
    choices.select_option(street)
    assert choices.input_value() == street
    _fits(operator, size)
    site.shot(operator, f"issue14-operator-offered-new-street-{size}")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_an_admin_edits_a_user_resets_their_password_and_keeps_their_own_account(site, size):
    admin = ensure_user("adm14", "admin")
    person = ensure_user("op14b", "operator")
    page = site.page(*SIZES[size])
    site.sign_in(page, "adm14")
    page.goto("/admin/users/")
    own = page.locator(f"#user-{admin.id}")
    assert "（您自己的账号）" in own.inner_text()
    assert own.get_by_role("button", name="停用").count() == 0  # no way to switch oneself off
    assert page.locator(f"#user-{person.id}").get_by_role("button", name="停用").count() == 1

    page.get_by_role("link", name="op14b").click()
    page.get_by_label("姓名").fill("李晓红")
    page.get_by_label("角色").select_option("liaison")
    page.get_by_label("部门（联络员必填）").select_option("public_security")
    phone = page.get_by_label("手机号（11位，用于接收短信）")
    assert phone.get_attribute("type") == "tel"
    phone.fill("13800001234")
    site.shot(page, f"issue14-admin-user-edit-{size}")
    page.get_by_role("button", name="保存", exact=True).click()
    assert "用户 op14b 已保存。" in _flash(page)
    row = page.locator(f"#user-{person.id}").inner_text()
    assert "李晓红" in row and "联络员" in row and "+8613800001234" in row
    db.session.expire_all()
    edited = db.session.get(User, person.id)
    assert (edited.role, edited.bureau, edited.phone, edited.full_name) == (
        "liaison",
        "public_security",
        "+8613800001234",
        "李晓红",
    )

    page.get_by_role("link", name="op14b").click()
    page.locator("summary", has_text="重置密码").click()
    page.get_by_label("新密码（至少10个字符）").fill("reset-pw-2026-xy")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_load_state()
    assert asked  # a reset is confirmed first
    assert "已为 op14b 设置新密码，请当面告知本人。" in _flash(page)
    _fits(page, size)
    site.shot(page, f"issue14-admin-password-reset-{size}")

    them = site.page(*SIZES[size])
    site.sign_in(them, "op14b")  # the old password no longer works
    assert "用户名或密码错误。" in them.locator(".problems").inner_text()
    site.sign_in(them, "op14b", "reset-pw-2026-xy")
    assert "/login" not in them.url
    assert "李晓红 · 联络员" in them.locator(".who").inner_text()
    site.shot(them, f"issue14-user-signed-in-after-reset-{size}")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_user_changes_their_own_password_and_signs_in_with_it(site, size):
    ensure_user("op14c", "operator")
    page = site.page(*SIZES[size])
    site.sign_in(page, "op14c")
    page.locator(".who").click()
    assert page.get_by_role("heading", name="修改密码").is_visible()
    page.get_by_label("当前密码").fill("secret-pw-long")
    page.get_by_label("新密码（至少10个字符）").fill("my-own-pw-2026")
    page.get_by_label("再次输入新密码").fill("my-own-pw-2026")
    _fits(page, size)
    site.shot(page, f"issue14-own-password-form-{size}")
    page.get_by_role("button", name="修改密码").click()
    assert "密码已修改。" in _flash(page)
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert "/login" in page.url and "您已退出登录。" in _flash(page)
    site.sign_in(page, "op14c")
    assert "用户名或密码错误。" in page.locator(".problems").inner_text()
    site.sign_in(page, "op14c", "my-own-pw-2026")
    assert "/login" not in page.url and "op14c" in page.locator(".who").inner_text()
    site.shot(page, f"issue14-own-password-signed-in-{size}")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_supervisor_reads_the_sent_sms_after_a_dispatch(site, size):
    from hotline.auth.services import create_user

    create_user("li14d", "liaison", "secret-pw-long", bureau="public_security", phone="+8613800002222")
    ensure_user("sup14", "supervisor")
    ticket = judicial_ticket()
    page = site.page(*SIZES[size])
    site.sign_in(page, "sup14")
    page.get_by_role("link", name="短信记录").click()
    assert page.get_by_role("heading", name="短信记录").is_visible()
    table = page.locator("#messages")
    assert "接收号码" in table.locator("thead").inner_text()  # the recipient, not a date
    rows = table.locator("tbody tr")
    assert rows.count() >= 1
    text = table.inner_text()
    assert "+8613800002222" in text and ticket.number in text and "派单通知" in text
    assert REPORT["child"]["name"] not in text  # no child's name in any SMS
    assert REPORT["location"]["address"] not in text and REPORT["reporter"]["phone"] not in text
    _fits(page, size)
    site.shot(page, f"issue14-supervisor-sent-sms-{size}")
    rows.first.get_by_role("link", name="打开").click()
    page.wait_for_url(f"**/tickets/{ticket.id}")
    assert ticket.number in page.locator("h1").inner_text()
