"""Children's files and visits over HTTP: open, list, read, correct, close, visits with
referral, linking tickets, scoping by street office, validation and the overdue queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog, Message, Ticket

STREET = "jiangyuan"
OFFICE = "street:jiangyuan"
OTHER_OFFICE = "street:chengqiang"


def body(**overrides) -> dict:
    data = {
        "name": "王小花",
        "gender": "female",
        "birth_date": "2016-05-04",
        "street": STREET,
        "address": "江源街道幸福路1号",
        "situations": ["left_behind", "poor_family"],
        "guardians": [{"name": "王奶奶", "relation": "祖母", "phone": "+8613800001111"}],
        "risk": "high",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def center(login):
    return login("operator")


@pytest.fixture
def office(login):
    return login("liaison", bureau=OFFICE, phone="+8613800002222")


def open_file(api, **overrides):
    response = api.post("/api/v1/children", json=body(**overrides))
    assert response.status_code == 201, response.json
    return response.json


# --- opening -----------------------------------------------------------------------------------


@pytest.mark.parametrize("risk, days", [("high", 7), ("medium", 30), ("low", 90)])
def test_a_file_opens_with_the_interval_of_its_risk(center, risk, days):
    before = datetime.now(UTC)
    child = open_file(center, risk=risk)
    assert child["visit_every_days"] == days
    assert child["status"] == "open"
    assert child["number"] and child["id"]
    assert child["situations"] == ["left_behind", "poor_family"]
    assert child["guardians"] == [{"name": "王奶奶", "relation": "祖母", "phone": "+8613800001111"}]
    assert child["tickets"] == []
    due = parse(child["next_visit_due_at"])
    assert before + timedelta(days=days) - timedelta(seconds=5) <= due <= datetime.now(UTC) + timedelta(days=days)
    for key in ("id", "number", "name", "gender", "birth_date", "street", "address", "situations", "guardians"):
        assert key in child
    for key in ("risk", "visit_every_days", "next_visit_due_at", "status", "tickets"):
        assert key in child


def test_an_interval_may_be_set(center):
    assert open_file(center, risk="low", visit_every_days=14)["visit_every_days"] == 14


def test_file_answers_are_not_cached(center):
    response = center.post("/api/v1/children", json=body())
    assert response.headers["Cache-Control"] == "no-store"
    assert center.get("/api/v1/children").headers["Cache-Control"] == "no-store"
    assert center.get(f"/api/v1/children/{response.json['id']}").headers["Cache-Control"] == "no-store"


def _too_old() -> str:
    today = date.today()
    return date(today.year - 18, today.month, min(today.day, 28)).isoformat()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"situations": ["unknown_code"]}, "situations"),
        ({"situations": []}, "situations"),
        ({"street": "nowhere"}, "street"),
        ({"risk": "extreme"}, "risk"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "not-a-date"}, "birth_date"),
        ({"visit_every_days": 0}, "visit_every_days"),
        ({"visit_every_days": 366}, "visit_every_days"),
        ({"gender": "x"}, "gender"),
        ({"name": ""}, "name"),
        ({"guardians": [{"relation": "母亲"}]}, "guardians"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(center, overrides, field):
    response = center.post("/api/v1/children", json=body(**overrides))
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert field in response.json["errors"], response.json
    assert center.get("/api/v1/children").json["total"] == 0


def test_a_birth_date_making_the_child_18_is_refused(center):
    response = center.post("/api/v1/children", json=body(birth_date=_too_old()))
    assert response.status_code == 422
    assert "birth_date" in response.json["errors"]


def test_missing_required_fields_are_named(center):
    response = center.post("/api/v1/children", json={"name": "x"})
    assert response.status_code == 422
    assert {"street", "situations", "risk"} <= set(response.json["errors"])


# --- who sees what -----------------------------------------------------------------------------


def test_street_office_opens_files_of_its_street_only(office):
    assert office.post("/api/v1/children", json=body()).status_code == 201
    assert office.post("/api/v1/children", json=body(street="chengqiang")).status_code == 403


def test_other_departments_get_403_on_the_list_and_404_on_a_file(center, login):
    child = open_file(center)
    education = login("liaison", bureau="education")
    assert education.get("/api/v1/children").status_code == 403
    assert education.get(f"/api/v1/children/{child['id']}").status_code == 404
    assert education.post("/api/v1/children", json=body()).status_code == 403
    other_street = login("liaison", bureau=OTHER_OFFICE)
    assert other_street.get(f"/api/v1/children/{child['id']}").status_code == 404
    assert other_street.get("/api/v1/children").json == {"items": [], "total": 0}
    visit = {"visited_at": iso(datetime.now(UTC)), "kind": "home", "findings": "ok"}
    assert other_street.post(f"/api/v1/children/{child['id']}/visits", json=visit).status_code == 404
    assert other_street.patch(f"/api/v1/children/{child['id']}", json={"risk": "low"}).status_code == 404


def test_the_street_office_sees_its_street_and_the_center_sees_all(center, office):
    mine = open_file(center)
    open_file(center, street="chengqiang", name="李四")
    listed = office.get("/api/v1/children").json
    assert [item["id"] for item in listed["items"]] == [mine["id"]]
    assert center.get("/api/v1/children").json["total"] == 2
    assert office.get(f"/api/v1/children/{mine['id']}").status_code == 200


def test_every_read_of_a_file_is_audited(center, office, app):
    child = open_file(center)
    office.get(f"/api/v1/children/{child['id']}")
    office.get(f"/api/v1/children/{child['id']}")
    rows = db.session.scalars(sa.select(AccessLog).where(AccessLog.child_id == child["id"])).all()
    assert len(rows) >= 3  # created, then two reads
    assert [row.user.username for row in rows].count(rows[-1].user.username) >= 2
    assert all(row.ticket_id is None for row in rows)


# --- list filters ------------------------------------------------------------------------------


def test_list_filters_and_late_visits_first(center, app):
    from hotline.children.models import ChildFile

    a = open_file(center, name="甲", risk="low")
    b = open_file(center, name="乙", risk="high", situations=["disabled"])
    c = open_file(center, name="丙", street="chengqiang", risk="medium")
    late = db.session.get(ChildFile, c["id"])
    late.next_visit_due_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    items = center.get("/api/v1/children").json["items"]
    assert [i["id"] for i in items] == [c["id"], b["id"], a["id"]]
    assert items[0]["visit_overdue"] is True and items[1]["visit_overdue"] is False
    assert [i["id"] for i in center.get("/api/v1/children?visit_overdue=true").json["items"]] == [c["id"]]
    assert [i["id"] for i in center.get("/api/v1/children?risk=high").json["items"]] == [b["id"]]
    assert [i["id"] for i in center.get("/api/v1/children?situation=disabled").json["items"]] == [b["id"]]
    assert [i["id"] for i in center.get("/api/v1/children?street=chengqiang").json["items"]] == [c["id"]]
    assert [i["id"] for i in center.get("/api/v1/children?q=甲").json["items"]] == [a["id"]]
    assert center.get("/api/v1/children?situation=nope").status_code == 422
    assert center.get("/api/v1/children?risk=nope").status_code == 422
    assert center.get("/api/v1/children?page=0").status_code == 422


# --- changes and closing -----------------------------------------------------------------------


def test_patch_moves_the_next_visit_and_names_fields(center):
    child = open_file(center, risk="high")
    response = center.patch(f"/api/v1/children/{child['id']}", json={"visit_every_days": 60})
    assert response.status_code == 200
    moved = parse(response.json["next_visit_due_at"]) - parse(child["next_visit_due_at"])
    assert timedelta(days=52) < moved < timedelta(days=54)
    response = center.patch(f"/api/v1/children/{child['id']}", json={"risk": "low"})
    assert response.json["visit_every_days"] == 90
    bad = center.patch(f"/api/v1/children/{child['id']}", json={"visit_every_days": 400, "situations": ["x"]})
    assert bad.status_code == 422 and "visit_every_days" in bad.json["errors"]
    assert center.patch(f"/api/v1/children/{child['id']}", json={}).status_code == 422
    detail = center.get(f"/api/v1/children/{child['id']}").json
    updates = [e for e in detail["timeline"] if e["action"] == "updated"]
    assert updates[0]["data"] == {"fields": ["visit_every_days"]}


def test_close_then_no_more_visits(center):
    child = open_file(center)
    assert center.post(f"/api/v1/children/{child['id']}/close", json={}).status_code == 422
    closed = center.post(f"/api/v1/children/{child['id']}/close", json={"reason": "迁出本区"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert center.post(f"/api/v1/children/{child['id']}/close", json={"reason": "again"}).status_code == 409
    visit = {"visited_at": iso(datetime.now(UTC)), "kind": "home", "findings": "ok"}
    assert center.post(f"/api/v1/children/{child['id']}/visits", json=visit).status_code == 409
    assert center.get("/api/v1/children?status=closed").json["total"] == 1


# --- visits ------------------------------------------------------------------------------------


def test_a_visit_moves_the_next_due_date(office, center):
    child = open_file(center, risk="medium")
    visited = datetime.now(UTC) - timedelta(days=2)
    response = office.post(
        f"/api/v1/children/{child['id']}/visits",
        json={
            "visited_at": iso(visited),
            "kind": "home",
            "findings": "家中整洁，祖母照料",
            "services": ["counselling"],
        },
    )
    assert response.status_code == 201, response.json
    assert parse(response.json["next_visit_due_at"]) == visited + timedelta(days=30)
    assert response.json["referral_ticket_id"] is None
    detail = office.get(f"/api/v1/children/{child['id']}").json
    assert detail["last_visited_at"] and parse(detail["next_visit_due_at"]) == visited + timedelta(days=30)
    assert detail["visits"][0]["services"] == ["counselling"]
    assert detail["visits"][0]["on_time"] is True


@pytest.mark.parametrize(
    "visit, field",
    [
        ({"visited_at": "2999-01-01T10:00:00+08:00"}, "visited_at"),
        ({"visited_at": "2026-01-01T10:00:00"}, "visited_at"),  # no offset
        ({"kind": "drive_by"}, "kind"),
        ({"services": ["massage"]}, "services"),
        ({"findings": ""}, "findings"),
        ({"refer": {"protection_types": ["nope"], "description": "需要帮扶转介的情况说明"}}, "refer"),
        ({"refer": {"protection_types": ["education"], "description": "短"}}, "refer"),
    ],
)
def test_bad_visits_are_422_naming_the_field(center, visit, field):
    child = open_file(center)
    data = {"visited_at": iso(datetime.now(UTC)), "kind": "home", "findings": "正常"} | visit
    response = center.post(f"/api/v1/children/{child['id']}/visits", json=data)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert center.get(f"/api/v1/children/{child['id']}").json["visits"] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_a_visit_with_referral_makes_a_visit_ticket_dispatched_by_the_rules(office, center, login):
    login("liaison", bureau="education", phone="+8613800003333")
    child = open_file(center)
    response = office.post(
        f"/api/v1/children/{child['id']}/visits",
        json={
            "visited_at": iso(datetime.now(UTC)),
            "kind": "school",
            "findings": "孩子已两周未到校",
            "refer": {
                "protection_types": ["education"],
                "description": "孩子辍学两周，需要教育局劝返",
                "urgency": "urgent",
            },
        },
    )
    assert response.status_code == 201, response.json
    ticket_id = response.json["referral_ticket_id"]
    assert ticket_id and "referral" in response.json["services"]
    ticket = center.get(f"/api/v1/tickets/{ticket_id}").json
    assert ticket["channel"] == "visit"
    assert ticket["child_id"] == child["id"]
    assert ticket["status"] == "dispatched"
    bureaus = {(a["bureau"], a["role"]) for a in ticket["assignments"]}
    assert ("education", "lead") in bureaus and (OFFICE, "assist") in bureaus
    assert ticket["child"]["name"] == "王小花"
    assert ticket["subject_categories"] == ["left_behind", "poor_family"]
    sms = db.session.scalars(sa.select(Message).where(Message.ticket_id == ticket_id)).all()
    assert any(m.to == "+8613800003333" and m.kind == "dispatch" for m in sms)
    assert all("王小花" not in m.body for m in sms)
    detail = center.get(f"/api/v1/children/{child['id']}").json
    assert [t["id"] for t in detail["tickets"]] == [ticket_id]
    assert detail["visits"][0]["referral_ticket_id"] == ticket_id
    assert center.get("/api/v1/tickets?channel=visit").json["total"] == 1


def test_operators_cannot_log_a_visit_channel_ticket(center):
    response = center.post(
        "/api/v1/tickets",
        json={
            "description": "一个普通的来电情况说明",
            "location": {"street": STREET},
            "protection_types": ["relief"],
            "urgency": "normal",
            "channel": "visit",
        },
    )
    assert response.status_code == 422 and "channel" in response.json["errors"]


# --- tickets and files -------------------------------------------------------------------------


def make_ticket(api, **child) -> int:
    response = api.post(
        "/api/v1/tickets",
        json={
            "description": "邻居反映孩子长期独自在家",
            "location": {"street": STREET, "address": "幸福路2号"},
            "child": {"name": "赵小军", "age": 9, "gender": "male"} | child,
            "protection_types": ["relief"],
            "subject_categories": ["left_behind"],
            "urgency": "normal",
            "channel": "phone",
        },
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_a_file_opens_from_a_ticket_and_links_it(center, office):
    ticket_id = make_ticket(center)
    assert center.get(f"/api/v1/tickets/{ticket_id}").json["child_id"] is None
    response = center.post(f"/api/v1/tickets/{ticket_id}/child", json={"create": True})
    assert response.status_code == 200, response.json
    child = response.json
    assert child["name"] == "赵小军" and child["street"] == STREET and child["bureau"] == OFFICE
    assert child["situations"] == ["left_behind"] and child["address"] == "幸福路2号"
    assert [t["id"] for t in child["tickets"]] == [ticket_id]
    assert center.get(f"/api/v1/tickets/{ticket_id}").json["child_id"] == child["id"]
    assert office.get(f"/api/v1/children/{child['id']}").status_code == 200  # the street office owns it


def test_a_ticket_links_to_an_existing_file(center):
    child = open_file(center)
    first, second = make_ticket(center), make_ticket(center)
    for ticket_id in (first, second):
        response = center.post(f"/api/v1/tickets/{ticket_id}/child", json={"child_id": child["id"]})
        assert response.status_code == 200
    detail = center.get(f"/api/v1/children/{child['id']}").json
    assert sorted(t["id"] for t in detail["tickets"]) == sorted([first, second])
    assert center.post(f"/api/v1/tickets/{first}/child", json={}).status_code == 422
    assert center.post(f"/api/v1/tickets/{first}/child", json={"child_id": 999999}).status_code == 404
    assert center.post("/api/v1/tickets/999999/child", json={"child_id": child["id"]}).status_code == 404


def test_opening_from_a_ticket_without_a_child_name_names_the_field(center):
    ticket_id = make_ticket(center, name=None)
    response = center.post(f"/api/v1/tickets/{ticket_id}/child", json={"create": True})
    assert response.status_code == 422 and "name" in response.json["errors"]
    ok = center.post(f"/api/v1/tickets/{ticket_id}/child", json={"create": True, "name": "赵小军"})
    assert ok.status_code == 200


# --- the overdue queue -------------------------------------------------------------------------


def test_a_late_visit_is_in_the_overdue_queue(center, login):
    supervisor = login("supervisor")
    child = open_file(center, risk="high")
    due = parse(child["next_visit_due_at"])
    assert (
        supervisor.get(f"/api/v1/overdue?at={(due - timedelta(hours=1)).isoformat().replace('+', '%2B')}").json["items"]
        == []
    )
    at = (due + timedelta(days=2)).isoformat().replace("+", "%2B")
    items = supervisor.get(f"/api/v1/overdue?at={at}").json["items"]
    assert len(items) == 1
    item = items[0]
    assert item["kind"] == "visit" and item["child_id"] == child["id"] and item["bureau"] == OFFICE
    assert item["escalation_level"] == 0 and item["overdue_seconds"] == 2 * 86400
    assert item["assignment_id"] is None and item["ticket_id"] is None
    assert supervisor.get(f"/api/v1/overdue?at={at}&bureau={OFFICE}").json["total"] == 1
    assert supervisor.get(f"/api/v1/overdue?at={at}&bureau=education").json["total"] == 0
    center.post(f"/api/v1/children/{child['id']}/close", json={"reason": "已成年迁出"})
    assert supervisor.get(f"/api/v1/overdue?at={at}").json["items"] == []


def test_a_ticket_about_a_known_child_suggests_the_file_and_links_only_when_asked(center, office):
    child = open_file(center, name="赵小军")
    open_file(center, name="赵小军", street="chengqiang")  # another street: not suggested
    ticket_id = make_ticket(center)
    suggested = center.get(f"/api/v1/tickets/{ticket_id}/child")
    assert suggested.status_code == 200
    assert [f["id"] for f in suggested.json["items"]] == [child["id"]] and suggested.json["child_id"] is None
    assert center.get(f"/api/v1/tickets/{ticket_id}").json["child_id"] is None  # never linked automatically
    center.post(f"/api/v1/tickets/{ticket_id}/child", json={"child_id": child["id"]})
    assert center.get(f"/api/v1/tickets/{ticket_id}/child").json == {"child_id": child["id"], "items": []}


def test_a_list_read_is_audited_per_file(center, app):
    child = open_file(center)
    before = db.session.scalar(
        sa.select(sa.func.count()).select_from(AccessLog).where(AccessLog.child_id == child["id"])
    )
    center.get("/api/v1/children")
    after = db.session.scalar(
        sa.select(sa.func.count()).select_from(AccessLog).where(AccessLog.child_id == child["id"])
    )
    assert after == before + 1


def test_ids_beyond_the_integer_range_are_404(center):
    assert center.get(f"/api/v1/children/{2**63}").status_code == 404
    assert center.post(f"/api/v1/children/{2**40}/close", json={"reason": "x"}).status_code == 404
