"""The liaison's inbox and work on their department's assignments; nothing of other departments."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Extension, Feedback, Ticket
from tests.web.conftest import text
from tests.web.helpers import days_ago, ensure_user, judicial_ticket, make_ticket, user


def _section(html: str, name: str) -> str:
    return html.split(f'id="{name}-list"')[1].split("</ul>")[0]


def test_inbox_lists_own_work_by_section_with_time_left(signed_in):
    liaison = signed_in("liaison", bureau="public_security")
    fresh = judicial_ticket()
    late = judicial_ticket(now=days_ago(1), urgency="urgent")  # clock time: late whatever the calendar
    elsewhere, _ = make_ticket(ensure_user("op", "operator"))  # civil affairs and a street office
    html = text(liaison.get("/liaison/"))
    pending = _section(html, "pending")
    assert fresh.number in pending and late.number in pending and elsewhere.number not in html
    assert "剩余" in pending and "已超时" in pending
    # Each ticket once: the late one to sign for is under 待签收 (marked overdue), not again below.
    for other in ("overdue", "due-soon", "in-progress"):
        assert late.number not in _section(html, other) and fresh.number not in _section(html, other)
    assert html.count(f">{late.number}<") == 1 and html.count(f">{fresh.number}<") == 1


def test_sign_for_from_the_inbox_then_final_feedback(signed_in):
    liaison = signed_in("liaison", bureau="public_security")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    assert liaison.post(f"/assignments/{assignment.id}/accept?next=/liaison/", csrf=False).status_code == 303
    response = liaison.post(f"/assignments/{assignment.id}/accept?next=/liaison/")
    assert response.status_code == 302 and response.headers["Location"] == "/liaison/"
    html = text(liaison.get("/liaison/"))
    assert ticket.number in _section(html, "in-progress") and ticket.number not in _section(html, "pending")

    page = text(liaison.get(f"/tickets/{ticket.id}"))
    assert f'id="feedback-{assignment.id}"' in page
    assert "小明" in page and "王女士" not in page  # the reporter's name is not for departments
    empty = liaison.post(f"/assignments/{assignment.id}/feedback", {})
    assert empty.status_code == 422 and f'id="fb{assignment.id}-summary-errors"' in text(empty)
    liaison.post(f"/assignments/{assignment.id}/feedback", {f"fb{assignment.id}-summary": "已上门走访，孩子安全。"})
    final = liaison.post(
        f"/assignments/{assignment.id}/feedback",
        {f"fb{assignment.id}-summary": "已联系派出所，办理完毕。", f"fb{assignment.id}-final": "y"},
    )
    assert final.status_code == 302
    db.session.expire_all()
    assert [f.final for f in db.session.scalars(sa.select(Feedback).filter_by(assignment_id=assignment.id))] == [
        False,
        True,
    ]
    assert db.session.get(Ticket, ticket.id).status == "awaiting_verification"


def test_return_request_needs_a_reason(signed_in):
    liaison = signed_in("liaison", bureau="public_security")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    refused = liaison.post(f"/assignments/{assignment.id}/return", {f"ret{assignment.id}-reason": "   "})
    assert refused.status_code == 422 and f'id="ret{assignment.id}-reason-errors"' in text(refused)
    assert (
        liaison.post(
            f"/assignments/{assignment.id}/return", {f"ret{assignment.id}-reason": "应由民政部门办理"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    row = db.session.get(Assignment, assignment.id)
    assert row.status == "return_requested" and row.return_reason == "应由民政部门办理"


def test_extension_request_and_its_limits(signed_in):
    liaison = signed_in("liaison", bureau="public_security")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    too_many = liaison.post(
        f"/assignments/{assignment.id}/extensions",
        {f"ext{assignment.id}-days": "11", f"ext{assignment.id}-reason": "需要协调"},
    )
    assert too_many.status_code == 422 and f'id="ext{assignment.id}-days-errors"' in text(too_many)
    words = liaison.post(
        f"/assignments/{assignment.id}/extensions",
        {f"ext{assignment.id}-days": "three", f"ext{assignment.id}-reason": "x"},
    )
    assert words.status_code == 422 and "请输入整数" in text(words)
    ok = liaison.post(
        f"/assignments/{assignment.id}/extensions",
        {f"ext{assignment.id}-days": "3", f"ext{assignment.id}-reason": "需要协调学校"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Extension.days).filter_by(assignment_id=assignment.id)) == 3
    again = liaison.post(
        f"/assignments/{assignment.id}/extensions",
        {f"ext{assignment.id}-days": "2", f"ext{assignment.id}-reason": "再延"},
    )
    assert again.status_code == 409 and "待审批" in text(again)


def test_another_departments_work_does_not_exist(signed_in):
    liaison = signed_in("liaison", bureau="education")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    assert liaison.get(f"/tickets/{ticket.id}").status_code == 404
    assert liaison.post(f"/assignments/{assignment.id}/accept").status_code == 404
    assert (
        liaison.post(f"/assignments/{assignment.id}/feedback", {f"fb{assignment.id}-summary": "x"}).status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status == "pending"


def test_a_liaison_cannot_take_center_steps(signed_in):
    liaison = signed_in("liaison", bureau="public_security")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    assert liaison.post(f"/tickets/{ticket.id}/dispatch", {"by_rules": "1"}).status_code == 403
    assert liaison.post(f"/tickets/{ticket.id}/close", {"close-note": "x"}).status_code == 403
    assert liaison.post(f"/assignments/{assignment.id}/return/approve").status_code == 403
    assert liaison.get("/tickets/").status_code == 403
    page = text(liaison.get(f"/tickets/{ticket.id}"))
    assert 'id="dispatch-form"' not in page and ticket.tracking_code not in page


def test_due_soon_section(signed_in):
    liaison = signed_in("liaison", bureau="public_security")
    # Urgent: sign-for due 2 hours after dispatch, so due within 24 hours.
    soon = judicial_ticket(urgency="urgent")
    later = judicial_ticket(now=days_ago(0) + timedelta(days=30))
    html = text(liaison.get("/liaison/"))
    # To sign for within 24 hours: listed once, under 待签收 (not again under 24小时内到期).
    assert soon.number in _section(html, "pending") and soon.number not in _section(html, "due-soon")
    assert html.count(f">{soon.number}<") == 1 and later.number not in _section(html, "due-soon")
    assert user("walk-op").role == "operator"
