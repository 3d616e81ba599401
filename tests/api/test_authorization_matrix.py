"""Every endpoint × every role × own and other department: the status code, and nothing leaked.

Roles: no token, operator, supervisor, admin, the liaison of the department the ticket is
assigned to ("own") and a liaison of another department ("other"). Each case starts from a
fresh ticket in a state where the step is allowed, so the answer is decided by who asks.
A row outside a liaison's department answers exactly as a row that does not exist.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Attachment, Extension, User
from tests.factories import make_ticket, staff

ROLES = ("anonymous", "operator", "supervisor", "admin", "liaison_own", "liaison_other")
OWN, OTHER = "civil_affairs", "education"
SECRET_BITS = ("小明", "幸福路1号", "王女士", "+8613811112222", "孩子长期无人照看")

# endpoint: (method, path template, state to set up, body, {role: expected status})
A, S, OP, L, X = "admin", "supervisor", "operator", "liaison_own", "liaison_other"


def expect(ok: int, allowed: tuple[str, ...], liaison_other: int | None = None) -> dict[str, int]:
    """``ok`` for the allowed roles, 401 without a token, 403 for the rest; a liaison of another
    department gets 404 on a step liaisons may take (the row does not exist for them)."""
    codes = {role: (ok if role in allowed else 403) for role in ROLES}
    codes["anonymous"] = 401
    if liaison_other is not None:
        codes[X] = liaison_other
    return codes


MATRIX = {
    "list tickets": ("get", "/api/v1/tickets", "dispatched", None, expect(200, (OP, S, A, L, X))),
    "ticket detail": ("get", "/api/v1/tickets/{ticket}", "dispatched", None, expect(200, (OP, S, A, L), 404)),
    "close": ("post", "/api/v1/tickets/{ticket}/close", "awaiting_verification", {"note": "好"}, expect(200, (S,))),
    "reopen": ("post", "/api/v1/tickets/{ticket}/reopen", "closed", {"reason": "再办"}, expect(200, (S,))),
    "revisit": ("post", "/api/v1/tickets/{ticket}/revisit", "closed", {"outcome": "satisfied"}, expect(200, (OP, S))),
    "cancel": ("post", "/api/v1/tickets/{ticket}/cancel", "dispatched", {"reason": "重复"}, expect(200, (OP, S))),
    "accept": ("post", "/api/v1/assignments/{assignment}/accept", "dispatched", None, expect(200, (L,), 404)),
    "return": (
        "post",
        "/api/v1/assignments/{assignment}/return",
        "dispatched",
        {"reason": "非本单位"},
        expect(200, (L,), 404),
    ),
    "return/approve": (
        "post",
        "/api/v1/assignments/{assignment}/return/approve",
        "return_requested",
        {},
        expect(200, (OP, S)),
    ),
    "return/reject": (
        "post",
        "/api/v1/assignments/{assignment}/return/reject",
        "return_requested",
        {"reason": "是"},
        expect(200, (OP, S)),
    ),
    # A supervisor may use this endpoint only to record feedback on behalf (代反馈): without
    # "on_behalf" it names that field (422); a liaison may not set it.
    "feedback": (
        "post",
        "/api/v1/assignments/{assignment}/feedback",
        "in_progress",
        {"summary": "已办", "final": False},
        expect(201, (L,), 404) | {S: 422},
    ),
    "feedback on behalf": (
        "post",
        "/api/v1/assignments/{assignment}/feedback",
        "in_progress",
        {"summary": "电话反馈：已办", "final": False, "on_behalf": True},
        expect(201, (S,)) | {L: 422, X: 422},
    ),
    "withdraw": (
        "post",
        "/api/v1/assignments/{assignment}/withdraw",
        "dispatched",
        {"reason": "改派"},
        expect(200, (OP, S)),
    ),
    "add note": (
        "post",
        "/api/v1/tickets/{ticket}/notes",
        "dispatched",
        {"body": "请协调"},
        expect(201, (OP, S, A, L), 404),
    ),
    "attachment": ("get", "/api/v1/attachments/{attachment}", "attachment", None, expect(200, (OP, S, A, L), 404)),
    "request extension": (
        "post",
        "/api/v1/assignments/{assignment}/extensions",
        "in_progress",
        {"days": 2, "reason": "协调"},
        expect(201, (L,), 404),
    ),
    "list extensions": ("get", "/api/v1/extensions", "extension", None, expect(200, (OP, S, A, L, X))),
    "approve extension": ("post", "/api/v1/extensions/{extension}/approve", "extension", {}, expect(200, (S,))),
    "reject extension": ("post", "/api/v1/extensions/{extension}/reject", "extension", {}, expect(200, (S,))),
    "stats": ("get", "/api/v1/stats", "dispatched", None, expect(200, (S, A))),
}

# The rest of the contract's role rules (other areas' endpoints): here only who gets past the door.
DOOR = {
    "create ticket": ("post", "/api/v1/tickets", (OP,)),
    "dispatch": ("post", "/api/v1/tickets/{ticket}/dispatch", (OP, S)),
    "overdue": ("get", "/api/v1/overdue", (S, A)),
    "messages": ("get", "/api/v1/messages", (S, A)),
    "rules": ("get", "/api/v1/rules", (S, A)),
    "calls": ("get", "/api/v1/calls", (OP, S, A)),
}


def setup(state: str):
    """A ticket of the 'own' department in ``state`` (and its lead assignment / an extension)."""
    assignments = {
        "dispatched": [(OWN, "lead", "pending")],
        "in_progress": [(OWN, "lead", "accepted")],
        "awaiting_verification": [(OWN, "lead", "completed")],
        "closed": [(OWN, "lead", "completed")],
        "return_requested": [(OWN, "lead", "return_requested")],
        "extension": [(OWN, "lead", "accepted")],
        "attachment": [(OWN, "lead", "accepted")],
    }[state]
    ticket_status = {"return_requested": "dispatched", "extension": "in_progress", "attachment": "in_progress"}.get(
        state, state
    )
    ticket = make_ticket(assignments, status=ticket_status, call_sid="CA-own")
    assignment = ticket.assignments[0]
    if state == "return_requested":
        assignment.status_before_return = "pending"
    extension = None
    if state == "extension":
        extension = Extension(assignment_id=assignment.id, days=2, reason="协调低保", status="pending")
        db.session.add(extension)
    attachment = None
    if state == "attachment":
        data = b"%PDF-1.4 visit record"
        attachment = Attachment(
            ticket_id=ticket.id,
            author_id=db.session.scalar(sa.select(User.id).limit(1)),
            filename="回执.pdf",
            content_type="application/pdf",
            size=len(data),
            sha256="0" * 64,
            data=data,
        )
        db.session.add(attachment)
    db.session.commit()
    return {
        "ticket": ticket.id,
        "assignment": assignment.id,
        "extension": extension.id if extension else 0,
        "attachment": attachment.id if attachment else 0,
        "number": ticket.number,
        "tracking": ticket.tracking_code,
    }


@pytest.fixture
def apis(client):
    from tests.conftest import Api

    users = {
        "operator": staff(client, "operator"),
        "supervisor": staff(client, "supervisor"),
        "admin": staff(client, "admin"),
        "liaison_own": staff(client, "liaison", OWN),
        "liaison_other": staff(client, "liaison", OTHER),
    }
    result = {role: api for role, (_, api) in users.items()}
    result["anonymous"] = Api(client)
    return result


def call(api, method, url, body):
    return api.get(url) if method == "get" else api.post(url, json=body)


def text(response) -> str:
    return json.dumps(response.json, ensure_ascii=False) if response.is_json else response.get_data(as_text=True)


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_matrix(apis, name, role):
    method, template, state, body, codes = MATRIX[name]
    ids = setup(state)
    # The other department has a ticket of its own, so its lists are not trivially empty.
    theirs = make_ticket([(OTHER, "lead", "accepted")], call_sid="CA-theirs")
    db.session.add(Extension(assignment_id=theirs.assignments[0].id, days=1, reason="x", status="pending"))
    db.session.commit()

    response = call(apis[role], method, template.format(**ids), body)
    assert response.status_code == codes[role], (name, role, response.json)
    assert response.is_json or (name == "attachment" and response.status_code == 200)
    if response.status_code >= 400:
        leaked = text(response)
        for secret in (*SECRET_BITS, ids["number"], ids["tracking"]):
            assert secret not in leaked, (name, role, leaked)
        assert set(response.json) <= {"code", "status", "message", "errors"}
    if response.status_code == 404:
        # Exactly the answer for a row that does not exist.
        missing = {key: 999_999 for key in ("ticket", "assignment", "extension", "attachment")}
        assert call(apis[role], method, template.format(**missing), body).json == response.json


def test_lists_and_counts_for_a_liaison_cover_their_department_only(apis):
    ours = setup("extension")
    setup("in_progress")
    theirs = make_ticket([(OTHER, "lead", "pending")], call_sid="CA-theirs")
    shared = make_ticket([(OWN, "lead", "accepted"), (OTHER, "assist", "pending")])
    other = apis["liaison_other"]

    def listing(query=""):
        response = other.get("/api/v1/tickets" + query)
        assert response.status_code == 200
        return response.json["total"], {item["id"] for item in response.json["items"]}

    assert listing() == (2, {theirs.id, shared.id})
    assert listing("?per_page=1")[0] == 2
    assert listing("?call_sid=CA-own") == (0, set())
    assert listing("?bureau=civil_affairs") == (0, set())  # filters run over their own assignments
    assert listing("?bureau=education") == (2, {theirs.id, shared.id})
    assert listing("?status=dispatched") == (1, {theirs.id})
    assert listing("?status=in_progress") == (1, {shared.id})
    assert listing("?view=pending") == (2, {theirs.id, shared.id})
    assert listing("?view=overdue") == (0, set())
    assert ours["ticket"] not in listing("?channel=phone")[1]
    assert apis["operator"].get("/api/v1/tickets").json["total"] == 4

    # A shared ticket's detail shows the other department's work only to that department.
    detail = other.get(f"/api/v1/tickets/{shared.id}").json
    assert {a["bureau"] for a in detail["assignments"]} == {OWN, OTHER}

    # Extensions: their own department's requests only.
    for ticket_id in (ours["extension"],):
        assert other.post(f"/api/v1/extensions/{ticket_id}/approve", json={}).status_code == 403
    assert other.get("/api/v1/extensions").json["total"] == 0
    assert apis["liaison_own"].get("/api/v1/extensions").json["total"] == 1
    assert apis["supervisor"].get("/api/v1/extensions").json["total"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 1


DOOR_CASES = [(name, role) for name in DOOR for role in ROLES]


@pytest.mark.parametrize(("name", "role"), DOOR_CASES, ids=[f"{n}-{r}" for n, r in DOOR_CASES])
def test_other_areas_let_in_only_their_roles(apis, name, role):
    method, template, allowed = DOOR[name]
    ids = setup("dispatched")
    response = call(apis[role], method, template.format(**ids), {})
    if role == "anonymous":
        assert response.status_code == 401
    elif role in allowed:
        assert response.status_code not in (401, 403, 404), response.json
    else:
        assert response.status_code == 403, response.json
