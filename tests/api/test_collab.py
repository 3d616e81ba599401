"""Working together on a ticket (CONTRACT "Working together on a ticket"): search, notes,
attachments, withdraw (撤回), feedback on behalf (代反馈), and no finishing while an
extension request waits.

Tickets are created the real way (POST /api/v1/tickets, dispatched by the shipped rules:
relief → civil_affairs leads, the child's street office assists).
"""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog, Assignment, Attachment, Message, Note, TicketEvent
from tests.api.test_tracking_flow import by_bureau, create, text
from tests.factories import staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def upload(api, ticket_id, data: bytes, filename: str = "photo.png", field: str = "file"):
    return api.post(
        f"/api/v1/tickets/{ticket_id}/attachments",
        json=None,
        data={field: (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def search(api, q, **params):
    response = api.get("/api/v1/tickets", query_string={"q": q, **params})
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.fixture
def people(client):
    def make(role, bureau=None, phone=None):
        return staff(client, role, bureau=bureau, phone=phone, username=f"{role}-{bureau or 'center'}")[1]

    return {
        "operator": make("operator"),
        "supervisor": make("supervisor", phone="+8613700000001"),
        "lead": make("liaison", "civil_affairs", "+8613600000001"),
        "street": make("liaison", "street:jiangyuan", "+8613600000002"),
        "other": make("liaison", "education", "+8613600000003"),
    }


# --- notes ---------------------------------------------------------------------------------


def test_notes_are_shared_by_the_center_and_the_departments_on_the_ticket(people):
    ticket = create(people["operator"])
    messages_before = count(Message)
    r = people["lead"].post(f"/api/v1/tickets/{ticket['id']}/notes", json={"body": "  请街道先上门核实情况。 "})
    assert r.status_code == 201, r.json
    assert set(r.json) == {"id", "author", "bureau", "body", "created_at"}
    assert r.json["bureau"] == "civil_affairs" and r.json["body"] == "请街道先上门核实情况。"
    r = people["operator"].post(f"/api/v1/tickets/{ticket['id']}/notes", json={"body": "已联系报告人。"})
    assert r.status_code == 201 and r.json["bureau"] is None

    for who in ("street", "lead", "operator", "supervisor"):
        detail = people[who].get(f"/api/v1/tickets/{ticket['id']}")
        assert [n["body"] for n in detail.json["notes"]] == ["请街道先上门核实情况。", "已联系报告人。"], who
    # A department not on the ticket: the notes do not exist for it, nor does the ticket.
    assert people["other"].get(f"/api/v1/tickets/{ticket['id']}").status_code == 404
    r = people["other"].post(f"/api/v1/tickets/{ticket['id']}/notes", json={"body": "看看"})
    assert r.status_code == 404
    # Notes send no SMS (free text may name a child); the timeline says a note was added, not what.
    assert count(Message) == messages_before
    events = db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket["id"], action="note.added")).all()
    assert len(events) == 2 and all("请街道" not in json.dumps(e.data, ensure_ascii=False) for e in events)


@pytest.mark.parametrize(
    ("body", "field"), [({}, "body"), ({"body": "   "}, "body"), ({"body": "x" * 5001}, "body"), ({"body": 5}, "body")]
)
def test_a_bad_note_is_a_422_naming_the_field_and_stores_nothing(people, body, field):
    ticket = create(people["operator"])
    r = people["operator"].post(f"/api/v1/tickets/{ticket['id']}/notes", json=body)
    assert r.status_code == 422 and field in r.json["errors"]
    assert count(Note) == 0


def test_notes_never_reach_the_public_look_up(people, client):
    ticket = create(people["operator"])
    people["lead"].post(f"/api/v1/tickets/{ticket['id']}/notes", json={"body": "内部协调：孩子父亲在押"})
    r = client.get(f"/api/v1/reports/{ticket['tracking_code']}", headers={"X-Report-Secret": ticket["secret"]})
    assert r.status_code == 200 and "内部协调" not in text(r)


def test_a_new_note_is_an_in_app_notice_for_the_others_until_they_read_the_ticket(people):
    ticket = create(people["operator"])
    people["lead"].post(f"/api/v1/tickets/{ticket['id']}/notes", json={"body": "需要街道配合"})

    def unread(who):
        items = people[who].get("/api/v1/tickets").json["items"]
        return next(i["unread_notes"] for i in items if i["id"] == ticket["id"])

    assert unread("street") == 1 and unread("operator") == 1
    assert unread("lead") == 0  # one's own note is no news
    people["street"].get(f"/api/v1/tickets/{ticket['id']}")
    assert unread("street") == 0 and unread("operator") == 1


# --- attachments ---------------------------------------------------------------------------


def test_an_attachment_is_stored_listed_and_read_back_by_those_who_see_the_ticket(people):
    ticket = create(people["operator"])
    r = upload(people["lead"], ticket["id"], PNG, "走访照片.png")
    assert r.status_code == 201, r.json
    assert set(r.json) >= {"id", "filename", "content_type", "size", "created_at", "author"}
    assert (r.json["filename"], r.json["content_type"], r.json["size"]) == ("走访照片.png", "image/png", len(PNG))
    attachment_id = r.json["id"]

    detail = people["street"].get(f"/api/v1/tickets/{ticket['id']}").json
    assert [a["id"] for a in detail["attachments"]] == [attachment_id]
    reads_before = count(AccessLog)
    r = people["street"].get(f"/api/v1/attachments/{attachment_id}")
    assert r.status_code == 200 and r.data == PNG
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["Cache-Control"] == "no-store" and r.headers["X-Content-Type-Options"] == "nosniff"
    # Audited: who read which ticket's file.
    assert count(AccessLog) == reads_before + 1
    read = db.session.scalars(sa.select(AccessLog).order_by(AccessLog.id.desc())).first()
    assert read.ticket_id == ticket["id"] and "attachment" in read.via

    # Outside the ticket's departments: 404, like an attachment that does not exist; no audit row.
    assert people["other"].get(f"/api/v1/attachments/{attachment_id}").status_code == 404
    assert people["other"].get("/api/v1/attachments/999999").status_code == 404
    assert count(AccessLog) == reads_before + 1
    assert upload(people["other"], ticket["id"], PNG).status_code == 404


def test_the_type_comes_from_the_content_not_the_name(people):
    ticket = create(people["operator"])
    r = upload(people["operator"], ticket["id"], PDF, "回执.jpg")
    assert r.status_code == 201 and r.json["content_type"] == "application/pdf" and r.json["filename"] == "回执.pdf"
    r = upload(people["operator"], ticket["id"], JPEG, "../../etc/scan")
    assert r.status_code == 201 and r.json["content_type"] == "image/jpeg" and r.json["filename"] == "scan.jpg"
    for data, name in (
        (b"<html><script>alert(1)</script>", "x.png"),
        (b"GIF89a......", "x.gif"),
        (b"MZ\x90\x00", "a.pdf"),
    ):
        r = upload(people["operator"], ticket["id"], data, name)
        assert r.status_code == 422 and "file" in r.json["errors"], name
    assert count(Attachment) == 2


def test_missing_empty_and_oversized_files_store_nothing(people):
    ticket = create(people["operator"])
    r = upload(people["operator"], ticket["id"], PNG, field="photo")
    assert r.status_code == 422 and "file" in r.json["errors"]
    r = upload(people["operator"], ticket["id"], b"")
    assert r.status_code == 422 and "file" in r.json["errors"]
    exactly = PNG + b"\x00" * (10 * 1024 * 1024 - len(PNG))
    assert upload(people["operator"], ticket["id"], exactly).status_code == 201
    r = upload(people["operator"], ticket["id"], exactly + b"\x00")
    assert r.status_code == 413 and set(r.json) >= {"code", "status", "message"}
    r = upload(people["operator"], ticket["id"], exactly + b"\x00" * 200_000)  # beyond the envelope too
    assert r.status_code == 413 and r.json["code"] == 413
    assert count(Attachment) == 1
    # Every other endpoint keeps the small body limit.
    r = people["operator"].post(f"/api/v1/tickets/{ticket['id']}/notes", json={"body": "x" * 70_000})
    assert r.status_code == 413


def test_attachments_and_notes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert "multipart/form-data" in paths["/api/v1/tickets/{ticket_id}/attachments"]["post"]["requestBody"]["content"]
    assert {"201", "413", "422", "404"} <= set(paths["/api/v1/tickets/{ticket_id}/attachments"]["post"]["responses"])
    assert "201" in paths["/api/v1/tickets/{ticket_id}/notes"]["post"]["responses"]
    assert "200" in paths["/api/v1/attachments/{attachment_id}"]["get"]["responses"]
    assert "200" in paths["/api/v1/assignments/{assignment_id}/withdraw"]["post"]["responses"]


# --- search --------------------------------------------------------------------------------


def test_search_by_number_code_phone_name_and_address(people):
    ticket = create(people["operator"])
    create(
        people["operator"],
        child={"name": "王小明"},
        location={"street": "jiangyuan", "address": "人民路1号"},
        reporter={"phone": "+8613800002222"},
    )
    operator = people["operator"]
    for q in (
        ticket["number"],
        ticket["tracking_code"],
        "13900001111",
        "139 0000 1111",
        "+8613900001111",
        "李小花",
        "幸福路",
    ):
        assert search(operator, q) == [ticket["id"]], q
    assert search(operator, "无此人") == []
    assert search(operator, "%") == []  # LIKE wildcards are text, not patterns
    assert operator.get("/api/v1/tickets", query_string={"q": "x" * 101}).status_code == 422
    # q combines with the other filters.
    assert search(operator, "李小花", status="closed") == []


def test_a_liaison_finds_personal_fields_only_after_signing_for(people):
    ticket = create(people["operator"])
    lead = people["lead"]
    # Before sign-for the department does not see the child, address or phone: q cannot find them.
    for q in ("李小花", "幸福路", "13900001111"):
        assert search(lead, q) == [], q
    assert search(lead, ticket["number"]) == [ticket["id"]]
    assert lead.post(f"/api/v1/assignments/{by_bureau(ticket, 'civil_affairs')['id']}/accept").status_code == 200
    for q in ("李小花", "幸福路", "13900001111"):
        assert search(lead, q) == [ticket["id"]], q
    # The street office has not signed for its part: still nothing by name.
    assert search(people["street"], "李小花") == []
    # A department not on the ticket finds nothing at all.
    assert search(people["other"], ticket["number"]) == []


def test_an_anonymous_reporters_phone_is_never_searchable_by_a_department(people):
    ticket = create(people["operator"], reporter={"phone": "+8613900003333", "anonymous": True})
    lead = people["lead"]
    lead.post(f"/api/v1/assignments/{by_bureau(ticket, 'civil_affairs')['id']}/accept")
    assert search(lead, "13900003333") == []


# --- withdraw ------------------------------------------------------------------------------


def test_withdrawing_a_department_stops_its_clocks_and_hides_the_ticket(people):
    ticket = create(people["operator"])
    street_a = by_bureau(ticket, "street:jiangyuan")
    assert (
        people["street"].post(f"/api/v1/assignments/{street_a['id']}/withdraw", json={"reason": "x"}).status_code == 403
    )
    r = people["operator"].post(f"/api/v1/assignments/{street_a['id']}/withdraw", json={})
    assert r.status_code == 422 and "reason" in r.json["errors"]

    r = people["supervisor"].post(f"/api/v1/assignments/{street_a['id']}/withdraw", json={"reason": "与街道无关"})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "withdrawn" and r.json["next_escalation_at"] is None
    assert r.json["ticket_status"] == "dispatched"  # the lead still holds it
    row = db.session.get(Assignment, street_a["id"])
    db.session.refresh(row)
    assert row.next_escalation_at is None and row.returned_at is None and row.return_count == 0

    # The street office no longer sees it: 404, gone from its lists, its steps 404 too.
    assert people["street"].get(f"/api/v1/tickets/{ticket['id']}").status_code == 404
    assert ticket["id"] not in [i["id"] for i in people["street"].get("/api/v1/tickets").json["items"]]
    assert people["street"].post(f"/api/v1/assignments/{street_a['id']}/accept").status_code == 404
    # It was told, without any personal data.
    told = db.session.scalars(sa.select(Message).where(Message.to == "+8613600000002", Message.kind == "notice")).all()
    assert len(told) == 1 and "撤回" in told[0].body and "李小花" not in told[0].body
    # The step is in the timeline with who and why; a second withdraw is a 409.
    detail = people["operator"].get(f"/api/v1/tickets/{ticket['id']}").json
    step = next(e for e in detail["timeline"] if e["action"] == "assignment.withdraw")
    assert (step["to_status"], step["reason"], step["bureau"]) == ("withdrawn", "与街道无关", "street:jiangyuan")
    r = people["operator"].post(f"/api/v1/assignments/{street_a['id']}/withdraw", json={"reason": "again"})
    assert r.status_code == 409
    # Not overdue anywhere, whatever the time.
    overdue = people["supervisor"].get("/api/v1/overdue", query_string={"at": "2030-01-01T00:00:00+08:00"}).json
    assert street_a["id"] not in [i["assignment_id"] for i in overdue["items"]]


def test_withdrawing_the_lead_sends_the_ticket_back_for_dispatch(people):
    ticket = create(people["operator"])
    lead_a = by_bureau(ticket, "civil_affairs")
    r = people["operator"].post(f"/api/v1/assignments/{lead_a['id']}/withdraw", json={"reason": "改由教育局主办"})
    assert r.status_code == 200 and r.json["ticket_status"] == "new"
    r = people["operator"].post(
        f"/api/v1/tickets/{ticket['id']}/dispatch", json={"assignments": [{"bureau": "education", "role": "lead"}]}
    )
    assert r.status_code == 200 and r.json["status"] == "dispatched"
    statuses = sorted((a["bureau"], a["role"], a["status"]) for a in r.json["assignments"])
    assert ("civil_affairs", "lead", "withdrawn") in statuses and ("education", "lead", "pending") in statuses


def test_re_dispatch_after_the_lead_finished_keeps_its_work_and_returns_nothing(people):
    """Issue 14: re-dispatching made a second lead and showed a silent department as 已退单."""
    ticket = create(people["operator"])
    lead_a, street_a = by_bureau(ticket, "civil_affairs"), by_bureau(ticket, "street:jiangyuan")
    people["lead"].post(f"/api/v1/assignments/{lead_a['id']}/accept")
    r = people["lead"].post(
        f"/api/v1/assignments/{lead_a['id']}/feedback", json={"summary": "已发放救助", "final": True}
    )
    assert r.status_code == 201 and r.json["ticket_status"] == "in_progress"  # the street office never answered

    r = people["operator"].post(
        f"/api/v1/tickets/{ticket['id']}/dispatch",
        json={"assignments": [{"bureau": "civil_affairs", "role": "lead"}, {"bureau": "education", "role": "assist"}]},
    )
    assert r.status_code == 200, r.json
    rows = [(a["bureau"], a["role"], a["status"]) for a in r.json["assignments"]]
    assert [b for b, role, _ in rows if role == "lead"] == ["civil_affairs"]  # one lead, its work kept
    assert ("civil_affairs", "lead", "completed") in rows
    assert ("street:jiangyuan", "assist", "withdrawn") in rows  # taken off, not 已退单
    assert all(status != "returned" for _, _, status in rows)
    assert ("education", "assist", "pending") in rows
    street_row = db.session.get(Assignment, street_a["id"])
    db.session.refresh(street_row)
    assert street_row.returned_at is None and street_row.return_count == 0


def test_re_dispatch_to_departments_that_all_finished_goes_back_to_review(people):
    ticket = create(people["operator"])
    lead_a = by_bureau(ticket, "civil_affairs")
    people["lead"].post(f"/api/v1/assignments/{lead_a['id']}/accept")
    people["lead"].post(f"/api/v1/assignments/{lead_a['id']}/feedback", json={"summary": "已办理", "final": True})
    r = people["operator"].post(
        f"/api/v1/tickets/{ticket['id']}/dispatch", json={"assignments": [{"bureau": "civil_affairs", "role": "lead"}]}
    )
    assert r.status_code == 200 and r.json["status"] == "awaiting_verification"
    assert by_bureau(r.json, "street:jiangyuan")["status"] == "withdrawn"
    assert len([a for a in r.json["assignments"] if a["bureau"] == "civil_affairs"]) == 1


# --- feedback on behalf, and no finishing while an extension waits ---------------------------


def test_a_supervisor_records_feedback_on_behalf_of_a_department(people):
    ticket = create(people["operator"])
    lead_a = by_bureau(ticket, "civil_affairs")
    people["lead"].post(f"/api/v1/assignments/{lead_a['id']}/accept")
    url = f"/api/v1/assignments/{lead_a['id']}/feedback"
    body = {"summary": "民政局电话告知：已发放临时救助", "final": True}

    r = people["supervisor"].post(url, json=body)
    assert r.status_code == 422 and "on_behalf" in r.json["errors"]
    r = people["lead"].post(url, json=dict(body, on_behalf=True))
    assert r.status_code == 422 and "on_behalf" in r.json["errors"]
    assert people["operator"].post(url, json=dict(body, on_behalf=True)).status_code == 403

    r = people["supervisor"].post(url, json=dict(body, on_behalf=True))
    assert r.status_code == 201, r.json
    assert r.json["on_behalf"] is True and r.json["assignment_status"] == "completed"
    detail = people["operator"].get(f"/api/v1/tickets/{ticket['id']}").json
    fb = by_bureau(detail, "civil_affairs")["feedback"][0]
    assert fb["on_behalf"] is True and fb["author"].startswith("supervisor")
    event = next(e for e in detail["timeline"] if e["action"] == "assignment.final_feedback")
    # The event names both: who recorded it and for which department.
    assert event["actor"].startswith("supervisor") and event["actor_role"] == "supervisor"
    assert event["bureau"] == "civil_affairs" and event["data"]["on_behalf"] is True


def test_feedback_on_behalf_of_a_department_that_never_signed_for_it_in_the_app(people):
    """A department that answered by phone may never have opened the app: the supervisor's
    代反馈 records its sign-for first, on its behalf too, then the feedback."""
    ticket = create(people["operator"])
    lead_a = by_bureau(ticket, "civil_affairs")
    r = people["supervisor"].post(
        f"/api/v1/assignments/{lead_a['id']}/feedback",
        json={"summary": "民政局书面回复：已纳入低保", "final": True, "on_behalf": True},
    )
    assert r.status_code == 201, r.json
    assert r.json["assignment_status"] == "completed" and r.json["ticket_status"] == "in_progress"
    detail = people["operator"].get(f"/api/v1/tickets/{ticket['id']}").json
    assert by_bureau(detail, "civil_affairs")["accepted_at"] is not None
    steps = [(e["action"], e["actor_role"], e["data"].get("on_behalf")) for e in detail["timeline"]]
    assert ("assignment.accept", "supervisor", True) in steps
    assert ("assignment.final_feedback", "supervisor", True) in steps
    # A liaison still signs for its own order; only a supervisor may record it for them.
    street_a = by_bureau(ticket, "street:jiangyuan")
    r = people["street"].post(
        f"/api/v1/assignments/{street_a['id']}/feedback", json={"summary": "未签收", "final": True}
    )
    assert r.status_code == 409


def test_a_department_cannot_finish_while_its_extension_request_waits(people):
    ticket = create(people["operator"])
    lead_a = by_bureau(ticket, "civil_affairs")
    lead = people["lead"]
    lead.post(f"/api/v1/assignments/{lead_a['id']}/accept")
    r = lead.post(f"/api/v1/assignments/{lead_a['id']}/extensions", json={"days": 3, "reason": "需协调低保审批"})
    assert r.status_code == 201
    extension_id = r.json["id"]
    url = f"/api/v1/assignments/{lead_a['id']}/feedback"
    r = lead.post(url, json={"summary": "已办结", "final": True})
    assert r.status_code == 409 and "extension_id" in r.json["errors"]
    assert lead.post(url, json={"summary": "进展：已走访", "final": False}).status_code == 201  # interim is fine
    people["supervisor"].post(f"/api/v1/extensions/{extension_id}/reject", json={"reason": "无需延期"})
    r = lead.post(url, json={"summary": "已办结", "final": True})
    assert r.status_code == 201 and r.json["assignment_status"] == "completed"
