"""The operator console, log-a-call with its live preview, and the center's steps on a ticket."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from hotline.extensions import db
from hotline.intake.calls import record_call, update_call_status
from hotline.models import Assignment, Call, Ticket, TicketEvent
from tests.web.conftest import text
from tests.web.helpers import make_ticket, user, walk_to_closed

CALL_FORM = {
    "channel": "phone",
    "urgency": "urgent",
    "protection_types": ["medical", "mental"],
    "description": "孩子发高烧两天没人照顾，父亲在外打工，奶奶行动不便。",
    "street": "zhengcha",
    "address": "正岔街道某小区",
    "child_name": "小红",
    "child_age": "6",
    "child_gender": "female",
    "reporter_name": "张奶奶",
    "reporter_phone": "+8613700000001",
}


def _now():
    return datetime.now(UTC)


def test_console_shows_triage_with_suggestion_missed_calls_and_returns(signed_in, make_user, pages):
    browser = signed_in("operator", username="op")
    pages.post(
        "/",
        {
            "description": "孩子被锁在家里好几天了，邻居听到哭声。",
            "street": "jiangyuan",
            "protection_types": ["relief"],
        },
    )
    record_call("CA_live", "+8613500000001", "+8610000000", _now())
    record_call("CA_missed", "+8613500000002", "+8610000000", _now())
    update_call_status("CA_missed", "no-answer", 0, None, None, _now())
    html = text(browser.get("/operator/"))
    triage = html.split('id="triage"')[1].split("</section>")[0]
    assert "规则建议" in triage and "区民政局" in triage and "网页" in triage
    assert "+8613500000002" in html.split('id="missed"')[1].split("</section>")[0]
    assert "/operator/calls/new?call_sid=CA_live" in html


def test_marking_a_missed_call_called_back(signed_in):
    browser = signed_in("operator")
    record_call("CA_missed", "+8613500000002", "+8610000000", _now())
    update_call_status("CA_missed", "no-answer", 0, None, None, _now())
    assert browser.post("/operator/calls/CA_missed/called-back", csrf=False).status_code == 303
    response = browser.post("/operator/calls/CA_missed/called-back")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Call.status).filter_by(call_sid="CA_missed")) == "called_back"
    again = browser.post("/operator/calls/CA_missed/called-back", follow_redirects=True)
    assert "只有未接来电" in text(again)  # the service's 409, said on the console


def test_log_a_call_fills_the_number_shows_history_and_dispatches(signed_in):
    browser = signed_in("operator", username="op")
    record_call("CA_old", "+8613700000001", "+8610000000", _now())
    earlier, _secret = make_ticket(user("op"), call_sid="CA_old", reporter={"phone": "+8613700000001"})
    record_call("CA_now", "+8613700000001", "+8610000000", _now())

    form = text(browser.get("/operator/calls/new?call_sid=CA_now"))
    assert 'value="+8613700000001"' in form  # the caller's number from the active call
    history = form.split('id="caller-history"')[1].split("</section>")[0]
    assert earlier.number in history
    assert 'data-preview="/operator/calls/preview"' in form and "/assets/preview.js" in form

    posted = browser.post("/operator/calls/new?call_sid=CA_now", dict(CALL_FORM, call_sid="CA_now"))
    assert posted.status_code == 303  # post/redirect/get: a reload registers nothing twice
    response = browser.get(posted.headers["Location"])
    html = text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert re.search(r'id="secret"[^>]*>\d{6}<', html) and "data-draft-done" in html
    db.session.expire_all()
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.call_sid == "CA_now"))
    again = browser.get(posted.headers["Location"])  # the reload: the ticket, no secret, nothing new
    assert again.status_code == 302 and again.headers["Location"] == f"/tickets/{ticket.id}"
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id)).where(Ticket.call_sid == "CA_now")) == 1
    assert (
        ticket.status == "dispatched"
        and ticket.urgency == "urgent"
        and ticket.protection_types == ["medical", "mental"]
    )
    bureaus = {(a.department.code, a.role) for a in ticket.assignments}
    assert ("medical_insurance", "lead") in bureaus and ("street:zhengcha", "assist") in bureaus
    assert "区医保局" in html


def test_log_a_call_shows_errors_beside_fields(signed_in):
    browser = signed_in("operator")
    response = browser.post("/operator/calls/new", {"channel": "phone", "description": "short"})
    html = text(response)
    assert response.status_code == 422
    for name in ("description", "urgency", "primary_type", "street"):
        assert f'id="{name}-errors"' in html, name
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0
    assert browser.post("/operator/calls/new", CALL_FORM, csrf=False).status_code == 303


def test_the_chosen_primary_type_comes_first_whatever_the_list_order(signed_in):
    browser = signed_in("operator")
    form = text(browser.get("/operator/calls/new"))
    assert '<option selected value="phone">' in form or 'value="phone" selected' in form  # 登记来电: 电话
    posted = browser.post(
        "/operator/calls/new",
        dict(CALL_FORM, primary_type="mental", protection_types=["medical", "mental"], reporter_phone="138 0000 1234"),
    )
    assert posted.status_code == 303
    db.session.expire_all()
    ticket = db.session.scalars(sa.select(Ticket)).one()
    assert ticket.protection_types == ["mental", "medical"] and ticket.reporter_phone == "+8613800001234"


def test_live_preview_fragment(signed_in):
    browser = signed_in("operator")
    fragment = text(browser.post("/operator/calls/preview", {"protection_types": ["judicial"], "street": "jiangyuan"}))
    assert "区公安局" in fragment and "主办" in fragment
    nothing = text(browser.post("/operator/calls/preview", {}))
    assert "没有匹配的规则" in nothing
    bad = text(browser.post("/operator/calls/preview", {"protection_types": ["bogus"]}))
    assert "未知保护类型" in bad
    refused = browser.post(
        "/operator/calls/preview", {"protection_types": ["judicial"]}, csrf=False, headers={"X-Requested-With": "fetch"}
    )
    assert refused.status_code == 400  # a background fetch: the page it came from stays as it is
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0


def test_only_operators_register_calls(signed_in):
    supervisor = signed_in("supervisor")
    assert supervisor.post("/operator/calls/new", CALL_FORM).status_code == 403
    liaison = signed_in("liaison", bureau="education")
    assert liaison.post("/operator/calls/preview", {"protection_types": ["judicial"]}).status_code == 403


def test_ticket_page_shows_the_report_assignments_and_timeline(signed_in):
    browser = signed_in("operator", username="op")
    ticket, _secret = make_ticket(user("op"))
    html = text(browser.get(f"/tickets/{ticket.id}"))
    assert ticket.number in html and "小明" in html and "+8613800000009" in html
    assert "区民政局" in html and "江源街道办事处" in html
    timeline = html.split('id="h-timeline"')[1]
    assert "登记受理" in timeline and "已派单" in timeline
    assert 'id="dispatch-form"' in html


def test_completing_and_dispatching_a_web_report(signed_in):
    browser = signed_in("operator", username="op")
    ticket, _secret = make_ticket(user("op"), channel="web", auto_dispatch=False, protection_types=[], urgency=None)
    page = text(browser.get(f"/tickets/{ticket.id}"))
    assert 'id="complete-form"' in page
    response = browser.post(
        f"/tickets/{ticket.id}/complete",
        {
            "complete-protection_types": ["education"],
            "complete-urgency": "normal",
            "complete-street": "jiangyuan",
            "complete-description": ticket.description,
            "complete-version": str(ticket.version),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (
        ticket.protection_types == ["education"]
        and ticket.dispatch_suggestion["assignments"][0]["bureau"] == "education"
    )
    response = browser.post(f"/tickets/{ticket.id}/dispatch", {"by_rules": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "dispatched"


def test_manual_dispatch_and_its_errors(signed_in):
    browser = signed_in("operator", username="op")
    ticket, _secret = make_ticket(user("op"), auto_dispatch=False, channel="web")
    empty = browser.post(f"/tickets/{ticket.id}/dispatch", {})
    assert empty.status_code == 422 and 'id="dispatch-lead-errors"' in text(empty)
    response = browser.post(
        f"/tickets/{ticket.id}/dispatch",
        {"dispatch-lead": "public_security", "dispatch-assists": ["education", "public_security"]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Assignment).filter_by(ticket_id=ticket.id)).all()
    assert sorted((a.department.code, a.role) for a in rows) == [("education", "assist"), ("public_security", "lead")]


def test_deciding_a_return_request(signed_in):
    operator = signed_in("operator", username="op")
    liaison = signed_in("liaison", bureau="civil_affairs")
    ticket, _secret = make_ticket(user("op"))
    lead = next(a for a in ticket.assignments if a.role == "lead")
    liaison.post(f"/assignments/{lead.id}/return", {f"ret{lead.id}-reason": "不属于本局职责"})
    console = text(operator.get("/operator/"))
    assert "不属于本局职责" in console.split('id="returns"')[1].split("</section>")[0]
    no_reason = operator.post(f"/assignments/{lead.id}/return/reject", {})
    assert no_reason.status_code == 422 and f'id="rej{lead.id}-reason-errors"' in text(no_reason)
    assert (
        operator.post(f"/assignments/{lead.id}/return/reject", {f"rej{lead.id}-reason": "属于救助范围"}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Assignment, lead.id).status == "pending"
    liaison.post(f"/assignments/{lead.id}/return", {f"ret{lead.id}-reason": "仍然不属于本局职责"})
    assert operator.post(f"/assignments/{lead.id}/return/approve?next=/operator/").headers["Location"] == "/operator/"
    db.session.expire_all()
    assert db.session.get(Assignment, lead.id).status == "returned"
    assert db.session.get(Ticket, ticket.id).status == "new"  # no lead left: back to triage


def test_revisit_and_cancel(signed_in):
    operator = signed_in("operator", username="op")
    ticket = walk_to_closed()
    assert operator.post(f"/tickets/{ticket.id}/revisit", {"revisit-outcome": ""}).status_code == 422
    assert (
        operator.post(
            f"/tickets/{ticket.id}/revisit", {"revisit-outcome": "satisfied", "revisit-note": "家属表示感谢"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(TicketEvent.action)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        )
        == "revisit"
    )
    other, _secret = make_ticket(user("op"))
    assert operator.post(f"/tickets/{other.id}/cancel", {"cancel-reason": "重复报告"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, other.id).status == "cancelled"


def test_a_step_the_state_does_not_allow_says_why(signed_in):
    operator = signed_in("operator", username="op")
    ticket, _secret = make_ticket(user("op"))
    response = operator.post(f"/tickets/{ticket.id}/revisit", {"revisit-outcome": "satisfied"})
    problems = text(response).split('class="problems"')[1].split("</div>")[0]
    assert response.status_code == 409 and "当前状态为 已派单" in problems, problems
    assert "dispatched" not in problems and "cannot" not in problems  # one language, no codes


def test_steps_refused_by_role(signed_in):
    operator = signed_in("operator", username="op")
    ticket, _secret = make_ticket(user("op"))
    assignment = ticket.assignments[0]
    assert operator.post(f"/tickets/{ticket.id}/close", {"close-note": "x"}).status_code == 403
    assert operator.post(f"/tickets/{ticket.id}/reopen", {"reopen-reason": "x"}).status_code == 403
    assert operator.post(f"/assignments/{assignment.id}/accept").status_code == 403
    assert operator.post(f"/assignments/{assignment.id}/feedback", {}).status_code == 403
    admin = signed_in("admin")
    assert admin.post(f"/tickets/{ticket.id}/dispatch", {"by_rules": "1"}).status_code == 403
    assert admin.get(f"/tickets/{ticket.id}").status_code == 200


def test_ticket_list_filters(signed_in):
    operator = signed_in("operator", username="op")
    first, _ = make_ticket(user("op"))
    second, _ = make_ticket(user("op"), auto_dispatch=False, channel="web")
    html = text(operator.get("/tickets/?status=new"))
    assert second.number in html and first.number not in html
    assert first.number in text(operator.get("/tickets/?bureau=civil_affairs"))
    assert "Choose one of the options" in text(operator.get("/tickets/?status=bogus&lang=en"))
