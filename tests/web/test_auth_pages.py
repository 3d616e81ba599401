"""Sign-in, sign-out, role landing pages, CSRF and role refusals."""

from __future__ import annotations

import pytest

from tests.web.conftest import text

LANDING = {"operator": "/operator/", "liaison": "/liaison/", "supervisor": "/supervisor/", "admin": "/admin/"}


def test_login_page_has_labelled_username_and_password(pages):
    html = text(pages.get("/login"))
    assert 'name="username"' in html and 'name="password"' in html
    assert '<label for="username"' in html and '<label for="password"' in html
    assert 'lang="zh-CN"' in html and "登录" in html


@pytest.mark.parametrize("role", sorted(LANDING))
def test_each_role_lands_on_its_own_screen(pages, make_user, role):
    make_user("someone", role, bureau="education" if role == "liaison" else None)
    response = pages.sign_in("someone")
    assert response.status_code == 302
    assert response.headers["Location"] == LANDING[role]
    assert pages.get(LANDING[role]).status_code == 200
    home = pages.get("/home")
    assert home.headers["Location"] == LANDING[role]


def test_wrong_password_and_unknown_user_look_the_same(pages, make_user):
    make_user("op", "operator")
    wrong = pages.sign_in("op", "nope")
    unknown = pages.sign_in("ghost", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in text(wrong)
    assert pages.get("/operator/").status_code == 302  # still signed out


def test_inactive_user_cannot_sign_in(pages, make_user):
    from hotline.extensions import db

    user = make_user("gone", "operator")
    user.active = False
    db.session.commit()
    assert pages.sign_in("gone").status_code == 401


def test_sign_in_follows_a_local_next_only(pages, make_user):
    make_user("sup", "supervisor")
    page = pages.get("/supervisor/figures")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    response = pages.post("/login?next=/supervisor/figures", {"username": "sup", "password": "secret-pw-long"})
    assert response.headers["Location"] == "/supervisor/figures"
    pages.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = pages.post("/login?next=" + evil, {"username": "sup", "password": "secret-pw-long"})
        assert response.headers["Location"] == "/supervisor/", evil
        pages.post("/logout")


def test_sign_out_ends_the_session(signed_in):
    browser = signed_in("operator")
    assert browser.get("/operator/").status_code == 200
    response = browser.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert browser.get("/operator/").status_code == 302


def test_sign_out_needs_post_and_token(signed_in):
    browser = signed_in("operator")
    assert browser.get("/logout").status_code == 405
    assert browser.post("/logout", csrf=False).status_code == 303
    assert browser.get("/operator/").status_code == 200  # still signed in


def test_a_post_without_the_csrf_token_signs_in_nobody_and_goes_back_to_the_form(pages, make_user):
    make_user("op", "operator")
    response = pages.post("/login", {"username": "op", "password": "secret-pw-long"}, csrf=False)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    forged = pages.post("/login", {"username": "op", "password": "secret-pw-long", "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 303
    page = text(pages.get("/login"))
    assert "页面已过期" in page and "没有保存" in page
    assert pages.get("/operator/").status_code == 302  # still signed out


def test_an_expired_session_on_a_staff_form_goes_to_sign_in_and_back_to_that_form(pages, make_user):
    make_user("op", "operator")
    response = pages.post(
        "/operator/calls/new",
        {"description": "一个孩子在车站附近流浪好几天了"},
        csrf=False,
        headers={"Referer": "http://localhost/operator/calls/new?call_sid=CA1"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/operator/calls/new?call_sid%3DCA1"
    page = text(pages.get(response.headers["Location"]))
    assert "重新登录" in page and "填写的内容" in page
    signed = pages.post(
        "/login?next=/operator/calls/new?call_sid%3DCA1", {"username": "op", "password": "secret-pw-long"}
    )
    assert signed.headers["Location"] == "/operator/calls/new?call_sid=CA1"


def test_the_api_and_webhooks_need_no_csrf_token(client, make_user):
    make_user("op", "operator")
    response = client.post("/api/v1/auth/tokens", json={"username": "op", "password": "secret-pw-long"})
    assert response.status_code == 201
    assert client.post("/twilio/does-not-exist").status_code == 404  # routing, not a CSRF refusal


def test_a_session_does_not_open_the_api(signed_in):
    browser = signed_in("operator")
    assert browser.get("/api/v1/me").status_code == 401


ROLE_PAGES = {
    "/operator/": {"operator", "supervisor", "admin"},
    "/operator/calls/new": {"operator"},
    "/liaison/": {"liaison"},
    "/supervisor/": {"supervisor", "admin"},
    "/supervisor/figures": {"supervisor", "admin"},
    "/admin/": {"admin"},
    "/admin/rules": {"admin"},
    "/tickets/": {"operator", "supervisor", "admin"},
}


@pytest.mark.parametrize("role", ["operator", "liaison", "supervisor", "admin"])
def test_role_refusals(signed_in, role):
    browser = signed_in(role, bureau="education" if role == "liaison" else None)
    for url, allowed in ROLE_PAGES.items():
        status = browser.get(url).status_code
        assert status == (200 if role in allowed else 403), (role, url, status)


def test_signed_out_visitors_are_sent_to_sign_in(pages):
    for url in ROLE_PAGES:
        response = pages.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), url


def test_error_pages_are_html_in_the_pages_language(pages):
    response = pages.get("/no-such-page")
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]
    assert "找不到" in text(response) or "未找到" in text(response)
    english = pages.get("/no-such-page?lang=en")
    assert "Not found" in text(english)
    api = pages.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["code"] == 404


def test_failed_sign_ins_are_rate_limited_per_client(app, pages, make_user):
    app.config["HOTLINE_LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user("op", "operator")
    statuses = [pages.sign_in("op", "wrong").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert "text/html" in pages.sign_in("op").headers["Content-Type"]
