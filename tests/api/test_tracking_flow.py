"""A ticket walked through its life by the right roles only, every step in its timeline.

Tickets are created the real way (POST /api/v1/tickets, dispatched by the shipped rules:
relief → civil_affairs leads, the child's street office assists).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog, Message, TicketEvent
from hotline.tracking.transitions import AppendOnlyError

REPORT = {
    "description": "邻居家孩子连续几天无人照看，晚上独自在家哭。",
    "location": {"street": "jiangyuan", "address": "幸福路12号3单元"},
    "child": {"name": "李小花", "age": 7, "gender": "female"},
    "protection_types": ["relief"],
    "urgency": "normal",
    "channel": "phone",
    "reporter": {"name": "张先生", "phone": "+8613900001111"},
}
PRIVATE = ("李小花", "幸福路", "张先生", "+8613900001111")


def create(operator, **changes):
    body = dict(REPORT, **changes)
    response = operator.post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.json
    return response.json


def text(response) -> str:
    """The body as readable text (the API escapes non-ASCII characters)."""
    return json.dumps(response.json, ensure_ascii=False)


def by_bureau(ticket, bureau):
    return next(a for a in ticket["assignments"] if a["bureau"] == bureau)


def messages_to(phone):
    return db.session.scalars(sa.select(Message).where(Message.to == phone).order_by(Message.id)).all()


def test_full_walk_through(login):
    operator = login("operator")
    supervisor = login("supervisor", phone="+8613700000001")
    lead = login("liaison", bureau="civil_affairs", phone="+8613600000001")
    street = login("liaison", bureau="street:jiangyuan", phone="+8613600000002")

    ticket = create(operator)
    assert ticket["status"] == "dispatched"
    lead_a, street_a = by_bureau(ticket, "civil_affairs"), by_bureau(ticket, "street:jiangyuan")
    assert (lead_a["role"], street_a["role"]) == ("lead", "assist")

    # 签收: the first sign-for starts the ticket.
    r = lead.post(f"/api/v1/assignments/{lead_a['id']}/accept")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "accepted" and r.json["ticket_status"] == "in_progress"
    assert lead.post(f"/api/v1/assignments/{lead_a['id']}/accept").status_code == 409

    # 退单 by the street office, rejected by the center: the dispatch is binding, SMS says so.
    r = street.post(f"/api/v1/assignments/{street_a['id']}/return", json={"reason": "不属于本街道"})
    assert r.status_code == 200 and r.json["status"] == "return_requested"
    assert any("退单申请" in m.body for m in messages_to("+8613700000001"))
    r = supervisor.post(f"/api/v1/assignments/{street_a['id']}/return/reject", json={"reason": "孩子住在本街道"})
    assert r.status_code == 200 and r.json["status"] == "pending"
    rejected = [m for m in messages_to("+8613600000002") if "未获批准" in m.body]
    assert len(rejected) == 1 and rejected[0].kind == "notice"
    assert street.post(f"/api/v1/assignments/{street_a['id']}/accept").status_code == 200

    # Interim feedback, an extension, then final feedback from both.
    r = lead.post(f"/api/v1/assignments/{lead_a['id']}/feedback", json={"summary": "已上门走访", "final": False})
    assert r.status_code == 201 and r.json["assignment_status"] == "accepted"
    r = lead.post(f"/api/v1/assignments/{lead_a['id']}/extensions", json={"days": 3, "reason": "需协调低保审批"})
    assert r.status_code == 201 and r.json["status"] == "pending"
    extension_id = r.json["id"]
    r = supervisor.post(f"/api/v1/extensions/{extension_id}/approve", json={})
    assert r.status_code == 200 and r.json["status"] == "approved"
    assert supervisor.post(f"/api/v1/extensions/{extension_id}/approve", json={}).status_code == 409

    r = lead.post(f"/api/v1/assignments/{lead_a['id']}/feedback", json={"summary": "已纳入临时救助", "final": True})
    assert (
        r.status_code == 201 and r.json["assignment_status"] == "completed" and r.json["ticket_status"] == "in_progress"
    )
    r = street.post(
        f"/api/v1/assignments/{street_a['id']}/feedback", json={"summary": "已安排社工定期探访", "final": True}
    )
    assert r.status_code == 201 and r.json["ticket_status"] == "awaiting_verification"
    assert any("请审核" in m.body for m in messages_to("+8613700000001"))

    # 审核 → 办结 → 回访 unsatisfied → reopened with new deadlines → done again → closed → satisfied.
    r = supervisor.post(f"/api/v1/tickets/{ticket['id']}/close", json={"note": "办理到位"})
    assert r.status_code == 200 and r.json["status"] == "closed"
    r = operator.post(f"/api/v1/tickets/{ticket['id']}/revisit", json={"outcome": "unsatisfied", "note": "仍无人照看"})
    assert r.status_code == 200 and r.json["status"] == "in_progress"
    assert {a["status"] for a in r.json["assignments"]} == {"accepted"}
    assert any("重新交办" in m.body for m in messages_to("+8613600000001"))
    for api, assignment in ((lead, lead_a), (street, street_a)):
        r = api.post(f"/api/v1/assignments/{assignment['id']}/feedback", json={"summary": "再次处理", "final": True})
        assert r.status_code == 201
    assert supervisor.post(f"/api/v1/tickets/{ticket['id']}/close", json={"note": "已复核"}).json["status"] == "closed"
    r = operator.post(f"/api/v1/tickets/{ticket['id']}/revisit", json={"outcome": "satisfied"})
    assert r.status_code == 200 and r.json["status"] == "closed"

    # The timeline shows every step, in order.
    detail = supervisor.get(f"/api/v1/tickets/{ticket['id']}").json
    actions = [item["action"] for item in detail["timeline"] if item["action"] != "read"]
    expected = [
        "assignment.accept",
        "start",
        "assignment.request_return",
        "assignment.reject_return",
        "assignment.accept",
        "assignment.feedback",
        "extension.request",
        "extension.approve",
        "assignment.extend",
        "extension.public",
        "assignment.final_feedback",
        "assignment.final_feedback",
        "submit",
        "close",
        "revisit",
        "reopen",
        "assignment.reopen",
        "assignment.reopen",
        "assignment.final_feedback",
        "assignment.final_feedback",
        "submit",
        "close",
        "revisit",
    ]
    assert actions[-len(expected) :] == expected
    assert [item["actor"] for item in detail["timeline"] if item["action"] == "close"] == ["supervisor2", "supervisor2"]

    # Public updates: plain Chinese notes, no personal data, no staff names.
    notes = db.session.scalars(
        sa.select(TicketEvent.public_note).where(
            TicketEvent.ticket_id == ticket["id"], TicketEvent.public_note.is_not(None)
        )
    ).all()
    assert "您反映的问题已重新交办，相关部门将继续办理。" in notes
    assert any("延期" in n for n in notes)
    for note in notes:
        assert not any(p in note for p in PRIVATE + ("supervisor", "liaison", "operator", "民政"))
    # Public notes sit on ticket-level events whose to_status is a ticket status.
    public_events = db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket["id"], TicketEvent.public_note.is_not(None))
    ).all()
    for event in public_events:
        assert event.assignment_id is None
        assert event.to_status in {"new", "dispatched", "in_progress", "awaiting_verification", "closed", "cancelled"}

    # The reporter's look-up shows them, with the ticket's status at each.
    lookup = operator.client.get(
        f"/api/v1/reports/{ticket['tracking_code']}", headers={"X-Report-Secret": ticket["secret"]}
    )
    assert lookup.status_code == 200
    updates = lookup.json["updates"]
    assert [u["status"] for u in updates][-4:] == ["in_progress", "awaiting_verification", "closed", "closed"]
    assert {"status": "in_progress", "note": "您反映的问题已重新交办，相关部门将继续办理。"} in [
        {"status": u["status"], "note": u["note"]} for u in updates
    ]
    assert not any(p in text(lookup) for p in PRIVATE + ("civil_affairs", "supervisor"))

    # No SMS carries the child's or reporter's data.
    for message in db.session.scalars(sa.select(Message)).all():
        assert not any(p in message.body for p in PRIVATE), message.body


def test_reads_are_audited_and_listed_for_supervisors_only(login):
    operator = login("operator")
    supervisor = login("supervisor")
    admin = login("admin")
    lead = login("liaison", bureau="civil_affairs")
    ticket = create(operator)

    for api in (operator, lead, supervisor):
        assert api.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
    logs = db.session.scalars(
        sa.select(AccessLog).where(AccessLog.ticket_id == ticket["id"]).order_by(AccessLog.id)
    ).all()
    assert [log.user.role for log in logs] == ["operator", "liaison", "supervisor"]

    reads = [i for i in supervisor.get(f"/api/v1/tickets/{ticket['id']}").json["timeline"] if i["action"] == "read"]
    # Reads are grouped per reader between workflow steps: the supervisor's two reads are one item.
    assert [r["actor_role"] for r in reads] == ["operator", "liaison", "supervisor"]
    assert [r["data"]["count"] for r in reads] == [1, 1, 2] and reads[2]["data"]["via"] == ["api"]
    admin_reads = [i for i in admin.get(f"/api/v1/tickets/{ticket['id']}").json["timeline"] if i["action"] == "read"]
    assert sum(i["data"]["count"] for i in admin_reads) == 5 and len(admin_reads) == 4
    for api in (operator, lead):
        assert not [i for i in api.get(f"/api/v1/tickets/{ticket['id']}").json["timeline"] if i["action"] == "read"]

    # A list is not a full read: it carries no child, reporter, address or description, and is not logged.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog))
    listing = operator.get("/api/v1/tickets")
    assert listing.status_code == 200 and listing.json["total"] == 1
    assert not any(p in text(listing) for p in PRIVATE + ("无人照看",))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog)) == before


def test_reporter_contact_seen_by_departments(login):
    operator = login("operator")
    lead = login("liaison", bureau="civil_affairs")
    open_report = create(operator)
    anonymous = create(operator, reporter={"name": "匿名者", "phone": "+8613900002222", "anonymous": True})

    # Anonymous means nothing stored (CONTRACT "Need-to-know"): not even the center sees it.
    full = operator.get(f"/api/v1/tickets/{anonymous['id']}").json
    assert full["reporter"] == {"name": None, "phone": None, "anonymous": True}

    # A department: nothing of an anonymous reporter; otherwise, once signed for, the phone to
    # call back, not the name.
    hidden = lead.get(f"/api/v1/tickets/{anonymous['id']}")
    assert hidden.json["reporter"] == {"name": None, "phone": None, "anonymous": True}
    assert "匿名者" not in text(hidden) and "+8613900002222" not in text(hidden)
    lead_a = by_bureau(open_report, "civil_affairs")
    assert lead.post(f"/api/v1/assignments/{lead_a['id']}/accept").status_code == 200
    seen = lead.get(f"/api/v1/tickets/{open_report['id']}").json
    assert seen["reporter"] == {"name": None, "phone": "+8613900001111", "anonymous": False}
    # The child's data is what the department needs to act.
    assert seen["child"]["name"] == "李小花" and seen["location"]["address"] == "幸福路12号3单元"


def test_liaison_sees_only_own_department_work_in_a_shared_ticket(login):
    operator = login("operator")
    supervisor = login("supervisor")
    lead = login("liaison", bureau="civil_affairs")
    street = login("liaison", bureau="street:jiangyuan")
    ticket = create(operator)
    lead_a, street_a = by_bureau(ticket, "civil_affairs"), by_bureau(ticket, "street:jiangyuan")
    for api, a in ((lead, lead_a), (street, street_a)):
        api.post(f"/api/v1/assignments/{a['id']}/accept")
    street.post(f"/api/v1/assignments/{street_a['id']}/feedback", json={"summary": "街道秘密反馈内容", "final": False})
    street.post(f"/api/v1/assignments/{street_a['id']}/extensions", json={"days": 2, "reason": "街道延期理由"})
    street.post(f"/api/v1/assignments/{street_a['id']}/return", json={"reason": "街道退单理由"})

    seen = lead.get(f"/api/v1/tickets/{ticket['id']}")
    body = text(seen)
    assert "街道秘密反馈内容" not in body and "街道延期理由" not in body and "街道退单理由" not in body
    assert "街道退单理由" not in text(lead.get("/api/v1/tickets"))
    assert {a["bureau"] for a in seen.json["assignments"]} == {"civil_affairs", "street:jiangyuan"}
    other = by_bureau(seen.json, "street:jiangyuan")
    assert other["feedback"] == [] and other["extensions"] == []
    assert all(i["assignment_id"] in (None, lead_a["id"]) for i in seen.json["timeline"])
    # The street office and the center see the street office's work.
    assert "街道秘密反馈内容" in text(street.get(f"/api/v1/tickets/{ticket['id']}"))
    assert "街道延期理由" in text(supervisor.get(f"/api/v1/tickets/{ticket['id']}"))
    assert (
        by_bureau(supervisor.get(f"/api/v1/tickets/{ticket['id']}").json, "street:jiangyuan")["return_reason"]
        == "街道退单理由"
    )
    # A liaison's extension list is their own department's only.
    assert lead.get("/api/v1/extensions").json["total"] == 0
    assert street.get("/api/v1/extensions").json["total"] == 1
    assert supervisor.get("/api/v1/extensions?status=pending").json["total"] == 1


def test_lead_return_approved_sends_the_ticket_back_to_triage(login):
    operator = login("operator", phone="+8613700000009")
    supervisor = login("supervisor", phone="+8613700000001")
    lead = login("liaison", bureau="civil_affairs", phone="+8613600000001")
    ticket = create(operator)
    lead_a = by_bureau(ticket, "civil_affairs")
    assert lead.post(f"/api/v1/assignments/{lead_a['id']}/return", json={"reason": "应由公安处理"}).status_code == 200
    r = operator.post(f"/api/v1/assignments/{lead_a['id']}/return/approve", json={})
    assert r.status_code == 200 and r.json["status"] == "returned" and r.json["ticket_status"] == "new"
    assert any("已批准" in m.body for m in messages_to("+8613600000001"))
    assert any("重新派单" in m.body for m in messages_to("+8613700000001"))
    # The center re-dispatches it to another lead.
    r = operator.post(
        f"/api/v1/tickets/{ticket['id']}/dispatch",
        json={"assignments": [{"bureau": "public_security", "role": "lead"}]},
    )
    assert r.status_code == 200 and r.json["status"] == "dispatched"
    # The department that returned it no longer sees the ticket or its order (need-to-know).
    assert lead.post(f"/api/v1/assignments/{lead_a['id']}/accept").status_code == 404
    assert lead.get(f"/api/v1/tickets/{ticket['id']}").status_code == 404
    detail = supervisor.get(f"/api/v1/tickets/{ticket['id']}").json
    assert "unroute" in [i["action"] for i in detail["timeline"]]


def test_cancel_withdraws_live_orders(login):
    operator = login("operator")
    lead = login("liaison", bureau="civil_affairs", phone="+8613600000001")
    ticket = create(operator)
    r = operator.post(f"/api/v1/tickets/{ticket['id']}/cancel", json={"reason": "重复报告"})
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert {a["status"] for a in r.json["assignments"]} == {"withdrawn"}
    assert any("已撤销" in m.body for m in messages_to("+8613600000001"))
    lead_a = by_bureau(ticket, "civil_affairs")
    # Taken off the ticket (withdrawn): gone for the department (need-to-know), 404, not 409.
    assert lead.post(f"/api/v1/assignments/{lead_a['id']}/accept").status_code == 404
    assert operator.post(f"/api/v1/tickets/{ticket['id']}/cancel", json={"reason": "again"}).status_code == 409


def test_bad_bodies_name_the_fields(login):
    operator = login("operator")
    supervisor = login("supervisor")
    lead = login("liaison", bureau="civil_affairs")
    ticket = create(operator)
    lead_a = by_bureau(ticket, "civil_affairs")
    cases = [
        (lead, f"/api/v1/assignments/{lead_a['id']}/extensions", {"days": 11, "reason": "x"}, "days"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/extensions", {"days": 0, "reason": "x"}, "days"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/extensions", {"days": "3", "reason": "x"}, "days"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/extensions", {"days": 3}, "reason"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/feedback", {"summary": "ok"}, "final"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/feedback", {"summary": "   ", "final": True}, "summary"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/return", {}, "reason"),
        (lead, f"/api/v1/assignments/{lead_a['id']}/accept", None, None),
        (supervisor, f"/api/v1/tickets/{ticket['id']}/close", {}, "note"),
        (supervisor, f"/api/v1/tickets/{ticket['id']}/reopen", {"reason": ""}, "reason"),
        (operator, f"/api/v1/tickets/{ticket['id']}/revisit", {"outcome": "happy"}, "outcome"),
        (operator, f"/api/v1/tickets/{ticket['id']}/cancel", {"reason": "x", "extra": 1}, "extra"),
        (operator, "/api/v1/tickets?status=open", None, "status"),
        (operator, "/api/v1/tickets?bureau=nowhere", None, "bureau"),
        (operator, "/api/v1/tickets?view=mine", None, "view"),
        (operator, "/api/v1/tickets?per_page=0", None, "per_page"),
        (supervisor, "/api/v1/stats?from=2026-03-10&to=2026-03-01", None, "to"),
        (supervisor, "/api/v1/stats?from=yesterday", None, "from"),
    ]
    for api, url, body, field in cases:
        if field is None:
            continue
        response = api.get(url) if body is None else api.post(url, json=body)
        assert response.status_code == 422, (url, body, response.json)
        assert field in response.json["errors"], (url, response.json)


def test_an_assist_return_approved_after_the_lead_finished_submits_the_ticket(login):
    operator = login("operator")
    supervisor = login("supervisor", phone="+8613700000001")
    lead = login("liaison", bureau="civil_affairs")
    street = login("liaison", bureau="street:jiangyuan")
    ticket = create(operator)
    lead_a, street_a = by_bureau(ticket, "civil_affairs"), by_bureau(ticket, "street:jiangyuan")
    lead.post(f"/api/v1/assignments/{lead_a['id']}/accept")
    street.post(f"/api/v1/assignments/{street_a['id']}/accept")
    lead.post(f"/api/v1/assignments/{lead_a['id']}/feedback", json={"summary": "已办结", "final": True})
    r = street.post(f"/api/v1/assignments/{street_a['id']}/return", json={"reason": "孩子已搬离本街道"})
    assert r.status_code == 200 and r.json["ticket_status"] == "in_progress"
    r = supervisor.post(f"/api/v1/assignments/{street_a['id']}/return/approve", json={"reason": "核实属实"})
    assert r.status_code == 200 and r.json["status"] == "returned"
    assert r.json["ticket_status"] == "awaiting_verification"
    assert any("请审核" in m.body for m in messages_to("+8613700000001"))


def test_history_is_append_only(login):
    operator = login("operator")
    ticket = create(operator)
    operator.get(f"/api/v1/tickets/{ticket['id']}")
    event = db.session.scalar(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket["id"]).limit(1))
    read = db.session.scalar(sa.select(AccessLog).limit(1))
    for change in (
        lambda: setattr(event, "reason", "rewritten"),
        lambda: db.session.delete(event),
        lambda: setattr(read, "user_id", None),
    ):
        change()
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
    for statement in (sa.update(TicketEvent).values(reason="x"), sa.delete(AccessLog)):
        with pytest.raises(AppendOnlyError):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog)) == 1
