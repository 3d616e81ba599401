"""The public report form and the status look-up, through the Flask test client."""

from __future__ import annotations

import re

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket
from tests.web.conftest import Pages, text

GOOD = {
    "description": "两个孩子每天晚上在网吧门口徘徊，看起来没有大人照看。",
    "street": "sunjiapuzi",
    "address": "孙家堡子街道网吧门口",
    "child_age": "12",
    "child_gender": "female",
    "protection_types": ["relief", "education"],
    "reporter_name": "李先生",
    "reporter_phone": "+8613900000111",
}


def _codes(html: str) -> tuple[str, str]:
    code = re.search(r'id="tracking-code"[^>]*>(\d+)<', html).group(1)
    secret = re.search(r'id="secret"[^>]*>(\d+)<', html).group(1)
    return code, secret


def test_the_form_labels_every_field_and_advises_110_120(pages):
    response = pages.get("/")
    html = text(response)
    assert response.status_code == 200
    assert "110" in html and "120" in html
    for name in (
        "description",
        "street",
        "address",
        "child_name",
        "child_age",
        "child_gender",
        "reporter_name",
        "reporter_phone",
        "anonymous",
    ):
        assert f'<label for="{name}"' in html, name
    for index in range(6):  # one label per protection type checkbox
        assert f'<label class="option" for="protection_types-{index}"' in html
    assert 'name="viewport"' in html and "/assets/app.css" in html
    assert "cdn" not in html.lower() and "https://" not in html


def _report(pages, form):
    """Post the form and follow the redirect to the receipt, as a browser does."""
    posted = pages.post("/", form)
    assert posted.status_code == 303 and posted.headers["Location"] == "/report/received"
    return pages.get("/report/received")


def test_a_report_shows_its_code_and_secret_once_and_lands_in_triage(pages):
    response = _report(pages, GOOD)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code, secret = _codes(text(response))
    assert len(code) == 10 and len(secret) == 6
    db.session.expire_all()
    ticket = db.session.scalar(sa.select(Ticket).filter_by(tracking_code=code))
    assert ticket.status == "new" and ticket.channel == "web"
    assert ticket.protection_types == ["relief", "education"] and ticket.street_code == "sunjiapuzi"
    assert ticket.child_age == 12 and ticket.reporter_phone == "+8613900000111"
    assert secret not in (ticket.secret_hash or "")
    assert ticket.dispatch_suggestion["assignments"][0] == {"bureau": "civil_affairs", "role": "lead"}


def test_reloading_the_receipt_files_nothing_and_shows_no_secret_again(pages):
    code, secret = _codes(text(_report(pages, GOOD)))
    reloaded = text(pages.get("/report/received"))
    assert 'id="receipt-gone"' in reloaded and secret not in reloaded and "没有重复提交" in reloaded
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 1


def test_an_anonymous_report_keeps_no_contact(pages):
    response = _report(pages, dict(GOOD, anonymous="y"))
    code, _secret = _codes(text(response))
    db.session.expire_all()
    ticket = db.session.scalar(sa.select(Ticket).filter_by(tracking_code=code))
    assert ticket.reporter_anonymous and ticket.reporter_name is None and ticket.reporter_phone is None


def test_errors_sit_beside_their_fields_and_nothing_is_stored(pages):
    response = pages.post("/", {"description": "太短", "child_age": "19", "protection_types": ["nonsense"]})
    html = text(response)
    assert response.status_code == 422
    assert 'id="description-errors"' in html and 'id="street-errors"' in html
    assert 'id="child_age-errors"' in html and 'id="protection_types-errors"' in html
    assert 'aria-invalid="true"' in html
    assert "此项必填" in html  # marshmallow's "Missing data" in the page's language
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0


def test_the_report_form_refuses_a_post_without_the_token(pages):
    assert pages.post("/", GOOD, csrf=False).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0


def test_english_by_query_or_browser_language(app, pages):
    english = text(pages.get("/?lang=en"))
    assert 'lang="en"' in english and "Report a child in difficulty" in english
    assert "Check a report" in text(pages.get("/status"))  # remembered in the session
    assert "报告困境儿童" in text(pages.get("/?lang=zh"))
    fresh = Pages(app, app.test_client())  # no session: the browser's language decides
    assert "Report a child in difficulty" in text(fresh.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert "报告困境儿童" in text(fresh.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}))
    assert "报告困境儿童" in text(fresh.get("/", headers={"Accept-Language": "fr-FR"}))


def test_status_look_up_with_code_and_secret(pages):
    code, secret = _codes(text(_report(pages, GOOD)))
    response = pages.post("/status", {"tracking_code": code, "secret": secret})
    html = text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert code in html and "已受理" in html and "我们已收到您的报告" in html
    # Nothing personal on the public page.
    for private in ("李先生", "+8613900000111", "网吧门口", "两个孩子"):
        assert private not in html


def test_a_wrong_secret_and_an_unknown_code_get_the_same_answer(pages):
    code, secret = _codes(text(_report(pages, GOOD)))
    wrong = pages.post("/status", {"tracking_code": code, "secret": "000000" if secret != "000000" else "111111"})
    unknown = pages.post("/status", {"tracking_code": "1234567890", "secret": secret})
    assert wrong.status_code == unknown.status_code == 404
    assert "查询码或密码不正确" in text(wrong) and "查询码或密码不正确" in text(unknown)


def test_status_needs_the_token(pages):
    assert pages.post("/status", {"tracking_code": "1234567890", "secret": "123456"}, csrf=False).status_code == 303


def test_public_submissions_are_rate_limited(app, pages):
    app.config["HOTLINE_PUBLIC_RATE_LIMIT"] = "3 per minute"
    statuses = [
        pages.post("/status", {"tracking_code": "1234567890", "secret": "123456"}).status_code for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
    assert "text/html" in pages.post("/status", {"tracking_code": "1", "secret": "1"}).headers["Content-Type"]
