"""The ticket page follows the need-to-know rule of the API (hotline.tracking.scoping)."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Department, User
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
    assert "小明" in text(operator_pages.get(f"/tickets/{ticket.id}"))

    civil = db.session.scalar(sa.select(Department).filter_by(code="civil_affairs"))
    assignment = db.session.scalar(sa.select(Assignment).filter_by(ticket_id=ticket.id, department_id=civil.id))
    from datetime import UTC, datetime

    from hotline.tracking.services import accept_assignment

    accept_assignment(
        assignment.id,
        actor=db.session.scalar(sa.select(User).filter_by(username="web-liaison2")),
        now=datetime.now(UTC),
    )
    page = text(liaison.get(f"/tickets/{ticket.id}"))
    assert "小明" in page and "火车站广场" in page and "+8613800000009" in page
    assert "王女士" not in page
    assert "小明" not in text(street.get(f"/tickets/{ticket.id}"))
