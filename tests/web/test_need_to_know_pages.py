"""The ticket page follows the need-to-know rule of the API (hotline.tracking.scoping)."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Department, User
from hotline.settings import current_settings
from tests.web.conftest import text
from tests.web.helpers import make_ticket


def test_the_ticket_page_shows_identities_only_after_sign_for(signed_in):
    operator_pages = signed_in("operator", username="op")
    liaison = signed_in("liaison", bureau="civil_affairs")
    street = signed_in("liaison", bureau="street:jiangyuan")
    operator = db.session.scalar(sa.select(User).filter_by(username="op"))
    ticket, _secret = make_ticket(operator)

    page = text(liaison.get(f"/tickets/{ticket.id}"))
    assert "车站附近流浪" in page  # the description helps decide
    for identity in ("小明", "火车站广场", "+8613800000009", "王女士"):
        assert identity not in page
    # Withheld, not missing: the page says when it will show, never "name not given".
    assert "签收后可见" in page and "详细地址签收后可见" in page and "姓名不详" not in page
    assert "小明" in text(operator_pages.get(f"/tickets/{ticket.id}"))

    civil = db.session.scalar(sa.select(Department).filter_by(code="civil_affairs"))
    assignment = db.session.scalar(sa.select(Assignment).filter_by(ticket_id=ticket.id, department_id=civil.id))
    from datetime import UTC, datetime

    from hotline.tracking.services import accept_assignment

    accept_assignment(
        assignment.id,
        actor=db.session.scalar(sa.select(User).filter_by(username="web-liaison2")),
        now=datetime.now(UTC),
        settings=current_settings(),
    )
    page = text(liaison.get(f"/tickets/{ticket.id}"))
    assert "小明" in page and "火车站广场" in page and "+8613800000009" in page
    assert "王女士" not in page and "签收后可见" not in page
    assert "小明" not in text(street.get(f"/tickets/{ticket.id}"))


# --- the same rule, step by step through the pages themselves ---------------------------------

IDENTITIES = ("小明", "8岁", "火车站广场", "+8613800000009")


def _assignment(ticket, code: str) -> Assignment:
    return next(a for a in ticket.assignments if a.department.code == code)


def test_an_assist_sees_identities_on_the_page_only_after_its_own_sign_for(signed_in):
    operator_pages = signed_in("operator", username="op")
    street = signed_in("liaison", bureau="street:jiangyuan")
    ticket, _secret = make_ticket(db.session.scalar(sa.select(User).filter_by(username="op")))
    assist = _assignment(ticket, "street:jiangyuan")
    assert assist.role == "assist"

    page = street.get(f"/tickets/{ticket.id}")
    html = text(page)
    assert page.status_code == 200
    assert "车站附近流浪" in html and "江源街道" in html  # enough to decide: description, street
    for identity in (*IDENTITIES, "王女士"):
        assert identity not in html, identity
    center = text(operator_pages.get(f"/tickets/{ticket.id}"))
    assert all(identity in center for identity in (*IDENTITIES, "王女士"))  # the control: they are there

    assert street.post(f"/assignments/{assist.id}/accept").status_code == 302
    html = text(street.get(f"/tickets/{ticket.id}"))
    assert all(identity in html for identity in IDENTITIES)
    assert "王女士" not in html  # a department never needs the reporter's name


def test_a_returned_department_gets_404_on_the_page_and_loses_it_from_its_lists(signed_in):
    operator = signed_in("operator", username="op")
    street = signed_in("liaison", bureau="street:jiangyuan")
    ticket, _secret = make_ticket(db.session.scalar(sa.select(User).filter_by(username="op")))
    assist = _assignment(ticket, "street:jiangyuan")
    assert ticket.number in text(street.get("/liaison/"))
    assert street.get("/liaison/new-work").json == {"pending": 1}

    assert street.post(f"/assignments/{assist.id}/accept").status_code == 302
    asked = street.post(f"/assignments/{assist.id}/return", {f"ret{assist.id}-reason": "不属于本街道辖区"})
    assert asked.status_code == 302
    assert street.get(f"/tickets/{ticket.id}").status_code == 200  # still theirs while the center decides
    assert operator.post(f"/assignments/{assist.id}/return/approve").status_code == 302

    page = street.get(f"/tickets/{ticket.id}")
    assert page.status_code == 404
    assert "小明" not in text(page) and ticket.number not in text(page)
    assert ticket.number not in text(street.get("/liaison/"))
    assert ticket.number not in text(street.get("/liaison/history"))
    assert street.get("/liaison/new-work").json == {"pending": 0}
    refused = street.post(
        f"/assignments/{assist.id}/feedback",
        {f"fb{assist.id}-summary": "已上门走访，情况属实。", f"fb{assist.id}-final": "y"},
    )
    assert refused.status_code == 404


def test_a_department_taken_off_by_re_dispatch_gets_404_on_the_page(signed_in):
    operator = signed_in("operator", username="op")
    civil = signed_in("liaison", bureau="civil_affairs")
    ticket, _secret = make_ticket(db.session.scalar(sa.select(User).filter_by(username="op")))
    assert civil.get(f"/tickets/{ticket.id}").status_code == 200
    moved = operator.post(f"/tickets/{ticket.id}/dispatch", {"dispatch-lead": "education"})
    assert moved.status_code == 302, text(moved)
    assert civil.get(f"/tickets/{ticket.id}").status_code == 404
    assert ticket.number not in text(civil.get("/liaison/"))


def test_a_department_page_links_no_other_ticket_and_plays_no_voicemail(signed_in):
    operator = signed_in("operator", username="op")
    education = signed_in("liaison", bureau="education")
    op = db.session.scalar(sa.select(User).filter_by(username="op"))
    first, _ = make_ticket(op)  # relief: civil affairs and the street office, not education
    second, _ = make_ticket(op, protection_types=["education"])  # the same child: linked to the first
    assert first.number in text(operator.get(f"/tickets/{second.id}"))  # the center sees the link

    page = education.get(f"/tickets/{second.id}")
    assert page.status_code == 200
    assert first.number not in text(page) and f'/tickets/{first.id}"' not in text(page)
    assert education.get(f"/tickets/{first.id}").status_code == 404
    assert education.get(f"/tickets/{second.id}/recording").status_code == 403


def test_an_anonymous_caller_logged_on_the_operator_form_is_stored_nowhere(signed_in):
    from hotline.models import Ticket
    from tests.web.test_operator_pages import CALL_FORM

    operator = signed_in("operator")
    posted = operator.post("/operator/calls/new", dict(CALL_FORM, anonymous="y"))
    assert posted.status_code == 303, text(posted)
    db.session.expire_all()
    ticket = db.session.scalar(sa.select(Ticket).order_by(Ticket.id.desc()))
    assert (ticket.reporter_anonymous, ticket.reporter_name, ticket.reporter_phone) == (True, None, None)
    assert "张奶奶" not in text(operator.get(f"/tickets/{ticket.id}"))
