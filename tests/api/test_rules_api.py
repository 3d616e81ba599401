"""Rules administration, previews and manual dispatch through the API; rules export/import CLI."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.intake.tickets import create_ticket
from hotline.models import Assignment, RuleSet, Ticket
from hotline.settings import current_settings
from hotline.tracking import transitions
from tests.factories_dispatch import count, counts, events, messages, ticket_body

RULES = "/api/v1/rules"
PREVIEW = "/api/v1/dispatch/preview"

JIANGYUAN_STREET_CHILDREN = {
    "name": "street-children-jiangyuan",
    "description": "江源街道的流浪儿童由救助站主办",
    "when": {"subject_categories": ["street_child"], "streets": ["jiangyuan"]},
    "then": {
        "lead": "relief_station",
        "assist": ["street", "public_security"],
        "deadlines": {"normal": {"sign": {"unit": "hours", "amount": 4, "calendar": "clock"}}},
    },
}


def dispatch_url(ticket_id: int) -> str:
    return f"/api/v1/tickets/{ticket_id}/dispatch"


def new_ticket(**overrides) -> Ticket:
    ticket, _ = create_ticket(
        ticket_body(**overrides),
        channel="web",
        actor=None,
        now=datetime.now(UTC),
        auto_dispatch=False,
        settings=current_settings(),
    )
    return ticket


def dispatched_ticket(**overrides) -> Ticket:
    ticket, _ = create_ticket(
        ticket_body(**overrides), channel="phone", actor=None, now=datetime.now(UTC), settings=current_settings()
    )
    return ticket


# --- reading and replacing rules ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_read_the_default_rules(login, role):
    body = login(role).get(RULES).json
    assert body["version"] == 1
    assert [r["name"] for r in body["rules"]] == [
        "default-relief",
        "default-education",
        "default-judicial",
        "default-employment",
        "default-medical",
        "default-mental",
    ]
    relief = body["rules"][0]
    assert relief["when"] == {"primary_protection_type": ["relief"]}
    assert relief["then"]["lead"] == "civil_affairs" and relief["then"]["assist"] == ["street"]
    assert relief["then"]["assist_for_other_types"]["education"] == ["education"]
    judicial = body["rules"][2]
    assert judicial["then"]["assist"] == []  # the plan lists no street office for judicial protection


def test_put_stores_a_new_version_and_keeps_the_old(login):
    admin = login("admin")
    current = admin.get(RULES).json
    edited = copy.deepcopy(current)
    edited["rules"].insert(0, JIANGYUAN_STREET_CHILDREN)
    response = admin.put(RULES, json=edited)  # a GET body edited and sent back
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2 and response.json["rules"][0]["name"] == "street-children-jiangyuan"
    assert response.json["created_by"] == "admin1"
    assert admin.put(RULES, json={"rules": current["rules"]}).json["version"] == 3
    assert admin.get(RULES).json["rules"] == current["rules"]
    assert admin.get(f"{RULES}?version=2").json["rules"][0]["name"] == "street-children-jiangyuan"
    assert admin.get(f"{RULES}?version=99").status_code == 404
    versions = admin.get(f"{RULES}/versions").json["items"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["count"] for v in versions] == [6, 7, 6]
    assert count(RuleSet) == 3


def test_put_with_a_stale_base_version_conflicts(login):
    admin = login("admin")
    rules = admin.get(RULES).json["rules"]
    assert admin.put(RULES, json={"rules": rules, "base_version": 1}).status_code == 200
    stale = admin.put(RULES, json={"rules": rules, "base_version": 1})
    assert stale.status_code == 409
    assert count(RuleSet) == 2


INVALID = [
    # the bad rule, the path under errors["rules"]["1"], a word of the message
    ({"name": "bad-lead", "then": {"lead": "fire_brigade"}}, ("then", "lead"), "fire_brigade"),
    (
        {"name": "bad-assist", "then": {"lead": "health", "assist": ["street:atlantis"]}},
        ("then", "assist"),
        "street:atlantis",
    ),
    (
        {"name": "bad-type", "when": {"primary_protection_type": ["sports"]}, "then": {"lead": "health"}},
        ("when", "primary_protection_type"),
        "sports",
    ),
    (
        {"name": "bad-street", "when": {"streets": ["atlantis"]}, "then": {"lead": "health"}},
        ("when", "streets"),
        "atlantis",
    ),
    (
        {"name": "bad-category", "when": {"subject_categories": ["alien"]}, "then": {"lead": "health"}},
        ("when", "subject_categories"),
        "alien",
    ),
    ({"name": "default-relief", "then": {"lead": "health"}}, ("name",), "duplicate"),
    ({"name": "no-then"}, ("then",), "lead"),
]


@pytest.mark.parametrize("rule, path, word", INVALID)
def test_invalid_rules_are_refused_naming_the_rule_and_field(login, rule, path, word):
    admin = login("admin")
    rules = admin.get(RULES).json["rules"]
    response = admin.put(RULES, json={"rules": [rules[0], rule, *rules[1:]]})
    assert response.status_code == 422, response.json
    node = response.json["errors"]["rules"]["1"]
    for key in path:
        node = node[key]
    assert word in " ".join(node)
    assert "rule #2" in response.json["message"]
    assert admin.get(RULES).json["version"] == 1


@pytest.mark.parametrize("body", [{}, {"rules": "all of them"}, {"rules": [1, 2]}, {"rules": [], "colour": "red"}])
def test_malformed_rule_bodies_are_422(login, body):
    response = login("admin").put(RULES, json=body)
    assert response.status_code == 422
    assert response.json["errors"]
    assert count(RuleSet) == 1


def test_a_new_version_is_used_at_once(login):
    operator, admin = login("operator"), login("admin")
    body = ticket_body()
    assert operator.post(PREVIEW, json=body).json["rule"] == "default-relief"
    rules = admin.get(RULES).json["rules"]
    admin.put(RULES, json={"rules": [JIANGYUAN_STREET_CHILDREN, *rules]})
    preview = operator.post(PREVIEW, json=body).json
    assert preview["rule"] == "street-children-jiangyuan" and preview["rules_version"] == 2
    ticket = operator.post("/api/v1/tickets", json=body).json
    assert ticket["dispatch"]["rule"] == "street-children-jiangyuan"
    assert ticket["dispatch"]["rules_version"] == 2
    assert [(a["bureau"], a["role"]) for a in ticket["assignments"]] == [
        ("relief_station", "lead"),
        ("street:jiangyuan", "assist"),
        ("public_security", "assist"),
    ]
    # The rule's own deadline policy for normal tickets: sign-for within 4 clock hours.
    lead = ticket["assignments"][0]
    delta = datetime.fromisoformat(lead["sign_due_at"]) - datetime.fromisoformat(lead["dispatched_at"])
    assert delta.total_seconds() == 4 * 3600


def test_a_ticket_no_rule_routes_stays_new_and_says_why(login):
    admin, operator = login("admin"), login("operator")
    admin.put(RULES, json={"rules": [r for r in admin.get(RULES).json["rules"] if r["name"] != "default-employment"]})
    response = operator.post("/api/v1/tickets", json=ticket_body(protection_types=["employment"]))
    assert response.status_code == 201
    ticket = response.json
    assert ticket["status"] == "new" and ticket["assignments"] == []
    assert ticket["dispatch"]["rule"] is None and ticket["dispatch"]["rules_version"] == 2
    assert "No rule routes this ticket" in ticket["dispatch"]["explanation"]
    assert messages(ticket_id=ticket["id"]) == []
    assert "dispatch.unrouted" in [e.action for e in events(ticket["id"])]


# --- preview ----------------------------------------------------------------------------------------


def test_preview_explains_and_stores_nothing(login):
    operator = login("operator")
    before = counts(), count(Assignment), count(RuleSet)
    response = operator.post(PREVIEW, json=ticket_body(protection_types=["medical", "mental"], urgency="urgent"))
    assert response.status_code == 200, response.json
    assert response.json["assignments"] == [
        {"bureau": "medical_insurance", "role": "lead"},
        {"bureau": "street:jiangyuan", "role": "assist"},
        {"bureau": "health", "role": "assist"},
    ]
    assert response.json["rule"] == "default-medical"
    assert "default-medical" in response.json["explanation"] and "区医保局" in response.json["explanation"]
    assert (counts(), count(Assignment), count(RuleSet)) == before


def test_preview_of_a_draft_and_of_bad_codes(login):
    supervisor = login("supervisor")
    draft = supervisor.post(PREVIEW, json={"description": "only a draft so far"})
    assert draft.status_code == 200 and draft.json["assignments"] == [] and draft.json["rule"] is None
    bad = supervisor.post(PREVIEW, json={"protection_types": ["sports"], "location": {"street": "atlantis"}})
    assert bad.status_code == 422
    assert "sports" in bad.json["errors"]["protection_types"][0]
    assert "atlantis" in bad.json["errors"]["location"]["street"][0]


# --- manual dispatch -------------------------------------------------------------------------------


def test_manual_dispatch_of_a_new_ticket_uses_exactly_the_given_departments(login, make_user):
    make_user("liaison_court", "liaison", bureau="court", phone="+8613700000020")
    ticket = new_ticket()
    operator = login("operator")
    response = operator.post(
        dispatch_url(ticket.id),
        json={
            "assignments": [
                {"bureau": "court", "role": "lead"},
                {"bureau": "street", "role": "assist"},
            ]
        },
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "dispatched"
    assert [(a["bureau"], a["role"]) for a in body["assignments"]] == [
        ("court", "lead"),
        ("street:jiangyuan", "assist"),
    ]
    assert body["dispatch"]["rule"] is None and "Manual dispatch by operator1" in body["dispatch"]["explanation"]
    assert [m.to for m in messages(ticket_id=ticket.id, kind="dispatch")] == ["+8613700000020"]


def test_dispatch_without_assignments_uses_the_rules(login):
    ticket = new_ticket(protection_types=["education"])
    response = login("supervisor").post(dispatch_url(ticket.id))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "dispatched" and response.json["dispatch"]["rule"] == "default-education"
    assert [a["bureau"] for a in response.json["assignments"]] == ["education", "street:jiangyuan"]
    assert response.json["suggestion"] is None


def test_rules_that_route_nothing_leave_a_new_ticket_new(login):
    ticket = new_ticket(protection_types=[])
    response = login("operator").post(dispatch_url(ticket.id), json={})
    assert response.status_code == 200
    assert response.json["status"] == "new" and response.json["assignments"] == []
    assert "No rule routes this ticket" in response.json["dispatch"]["explanation"]


def test_rules_that_route_nothing_never_strip_a_dispatched_ticket(login):
    ticket = dispatched_ticket()
    admin = login("admin")
    admin.put(RULES, json={"rules": []})
    response = login("operator").post(dispatch_url(ticket.id), json={})
    assert response.status_code == 409
    db.session.expire_all()
    assert [a.status for a in db.session.get(Ticket, ticket.id).assignments] == ["pending", "pending"]


def test_redispatch_withdraws_keeps_and_adds(login, make_user):
    make_user("liaison_ps", "liaison", bureau="public_security", phone="+8613700000030")
    make_user("liaison_ca", "liaison", bureau="civil_affairs", phone="+8613700000031")
    ticket = dispatched_ticket()  # civil_affairs lead, street:jiangyuan assist
    original = {a.department.code: (a.id, a.sign_due_at) for a in ticket.assignments}
    sms_before = len(messages(ticket_id=ticket.id, kind="dispatch"))
    operator = login("operator")
    response = operator.post(
        dispatch_url(ticket.id),
        json={
            "assignments": [
                {"bureau": "public_security", "role": "lead"},
                {"bureau": "civil_affairs", "role": "assist"},
            ]
        },
    )
    assert response.status_code == 200, response.json
    by_bureau = {a["bureau"]: a for a in response.json["assignments"]}
    assert by_bureau["street:jiangyuan"]["status"] == "withdrawn"  # taken off, not a return it asked for
    kept = by_bureau["civil_affairs"]
    assert (kept["id"], kept["role"], kept["status"]) == (original["civil_affairs"][0], "assist", "pending")
    assert datetime.fromisoformat(kept["sign_due_at"]) == original["civil_affairs"][1]  # its clock keeps running
    assert by_bureau["public_security"]["role"] == "lead" and by_bureau["public_security"]["status"] == "pending"
    new_sms = messages(ticket_id=ticket.id, kind="dispatch")[sms_before:]
    assert [m.to for m in new_sms] == ["+8613700000030"]  # only the new department is texted
    actions = [e.action for e in events(ticket.id)]
    assert {"assignment.withdraw", "assignment.role_changed"} <= set(actions)
    assert actions.count("dispatch") == 2


@pytest.mark.parametrize(
    "assignments, path",
    [
        ([{"bureau": "fire_brigade", "role": "lead"}], ("assignments", "0", "bureau")),
        ([{"bureau": "court", "role": "lead"}, {"bureau": "court", "role": "assist"}], ("assignments", "1", "bureau")),
        ([{"bureau": "court", "role": "assist"}], ("assignments", "_schema")),
        ([{"bureau": "court", "role": "lead"}, {"bureau": "health", "role": "lead"}], ("assignments", "_schema")),
        ([{"bureau": "court", "role": "boss"}], ("assignments", "0", "role")),
        ([{"bureau": "court"}], ("assignments", "0", "role")),
    ],
)
def test_bad_manual_assignments_are_named(login, assignments, path):
    ticket = new_ticket()
    response = login("operator").post(dispatch_url(ticket.id), json={"assignments": assignments})
    assert response.status_code == 422, response.json
    node = response.json["errors"]
    for key in path:
        node = node[key]
    assert node
    assert count(Assignment) == 0


def test_street_without_a_street_is_refused(app, login):
    ticket, _ = create_ticket(
        {"description": "留言：孩子需要帮助。", "location": {}},
        channel="voicemail",
        actor=None,
        now=datetime.now(UTC),
        auto_dispatch=False,
        settings=current_settings(),
    )
    response = login("operator").post(
        dispatch_url(ticket.id), json={"assignments": [{"bureau": "street", "role": "lead"}]}
    )
    assert response.status_code == 422
    assert response.json["errors"]["assignments"]["0"]["bureau"]


def test_closed_and_cancelled_tickets_cannot_be_dispatched(login):
    ticket = new_ticket()
    transitions.change_ticket(ticket, "cancel", actor=None, now=datetime.now(UTC), reason="duplicate")
    db.session.commit()
    response = login("operator").post(dispatch_url(ticket.id), json={})
    assert response.status_code == 409
    assert login("operator").post(dispatch_url(999999), json={}).status_code == 404


# --- who may do what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, method, url, allowed",
    [
        ("operator", "get", RULES, False),
        ("liaison", "get", RULES, False),
        ("supervisor", "put", RULES, False),
        ("operator", "put", RULES, False),
        ("liaison", "post", PREVIEW, False),
        ("liaison", "post", "dispatch", False),
        ("admin", "post", "dispatch", False),
        ("operator", "get", f"{RULES}/versions", False),
        ("supervisor", "get", f"{RULES}/versions", True),
        ("admin", "post", PREVIEW, True),
        ("supervisor", "post", "dispatch", True),
    ],
)
def test_roles(login, role, method, url, allowed):
    ticket = new_ticket()
    if url == "dispatch":
        url = dispatch_url(ticket.id)
    api = login(role, bureau="civil_affairs" if role == "liaison" else None)
    body = {"rules": []} if method == "put" else ticket_body() if url == PREVIEW else None
    response = getattr(api, method)(url, json=body) if method != "get" else api.get(url)
    assert (response.status_code == 403) is (not allowed), response.json
    assert count(RuleSet) == 1


def test_unauthenticated_is_401(client):
    for method, url in (("get", RULES), ("put", RULES), ("post", PREVIEW), ("post", dispatch_url(1))):
        assert getattr(client, method)(url, json={}).status_code == 401


# --- export / import ----------------------------------------------------------------------------------


def test_rules_export_and_import_through_the_cli(app, flask_cli, tmp_path, login):
    path = tmp_path / "rules.json"
    result = flask_cli("hotline", "rules", "export", str(path))
    assert result.returncode == 0, result.stderr
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert exported["version"] == 1 and len(exported["rules"]) == 6

    exported["rules"].insert(0, JIANGYUAN_STREET_CHILDREN)
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    result = flask_cli("hotline", "rules", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "version 2" in result.stdout
    # This process sees the version the other process stored, without a restart.
    preview = login("operator").post(PREVIEW, json=ticket_body()).json
    assert preview["rule"] == "street-children-jiangyuan" and preview["rules_version"] == 2

    again = flask_cli("hotline", "rules", "import", str(path))
    assert again.returncode == 0 and "unchanged" in again.stdout
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.max(RuleSet.version))) == 2

    exported["rules"][0]["then"]["lead"] = "fire_brigade"
    path.write_text(json.dumps(exported), encoding="utf-8")
    bad = flask_cli("hotline", "rules", "import", str(path))
    assert bad.returncode != 0
    assert "rule #1 'street-children-jiangyuan'" in bad.stderr and "fire_brigade" in bad.stderr

    path.write_text("{not json", encoding="utf-8")
    broken = flask_cli("hotline", "rules", "import", str(path))
    assert broken.returncode != 0 and "cannot read rules" in broken.stderr
