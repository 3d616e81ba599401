"""Every response carrying a ticket's personal fields leaves an access-log row with the
client's address and user agent; supervisors and admins review them at GET /api/v1/access-log."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog
from tests.api.test_tracking_flow import REPORT

AGENT = {"User-Agent": "Mozilla/5.0 (audit test)"}


def reads(ticket_id=None):
    query = sa.select(AccessLog).order_by(AccessLog.id)
    if ticket_id is not None:
        query = query.where(AccessLog.ticket_id == ticket_id)
    return db.session.scalars(query).all()


def test_reads_are_logged_with_client_and_reviewable(login):
    operator = login("operator", username="olga")
    supervisor = login("supervisor", username="sam")
    ticket = operator.post("/api/v1/tickets", json=REPORT).json
    assert reads(ticket["id"]) == []  # the operator's own creation answer is not a read (documented)

    r = operator.get(f"/api/v1/tickets/{ticket['id']}", headers=AGENT, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert r.status_code == 200
    [row] = reads(ticket["id"])
    assert (row.via, row.role, row.ip, row.user_agent) == ("api", "operator", "198.51.100.7", AGENT["User-Agent"])

    r = supervisor.get("/api/v1/access-log", headers=AGENT)
    assert r.status_code == 200
    assert r.json["total"] == 1
    [item] = r.json["items"]
    assert item == {
        "at": item["at"],
        "user": "olga",
        "role": "operator",
        "ticket_id": ticket["id"],
        "child_id": None,
        "via": "api",
        "ip": "198.51.100.7",
        "user_agent": AGENT["User-Agent"],
    }
    assert "+" in item["at"] or item["at"].endswith("Z")
    # Reviewing the log is not itself a read of a child's data.
    assert len(reads()) == 1


def test_patch_and_dispatch_answers_are_logged(login, client):
    operator = login("operator")
    public = {k: REPORT[k] for k in ("description", "location", "child", "reporter")}
    assert client.post("/api/v1/reports", json=public).status_code == 201
    ticket_id = db.session.scalar(sa.text("SELECT max(id) FROM tickets"))
    r = operator.patch(f"/api/v1/tickets/{ticket_id}", json={"protection_types": ["relief"], "urgency": "normal"})
    assert r.status_code == 200, r.json
    assert [row.via for row in reads(ticket_id)] == ["patch"]
    r = operator.post(
        f"/api/v1/tickets/{ticket_id}/dispatch", json={"assignments": [{"bureau": "education", "role": "lead"}]}
    )
    assert r.status_code == 200, r.json
    assert [row.via for row in reads(ticket_id)] == ["patch", "dispatch"]
    # A refused step answers no record and leaves no row.
    assert operator.patch(f"/api/v1/tickets/{ticket_id}", json={"urgency": "nonsense"}).status_code == 422
    assert len(reads(ticket_id)) == 2


def test_filters_order_and_paging(login):
    operator = login("operator", username="olga")
    other = login("operator", username="otto")
    supervisor = login("supervisor")
    first = operator.post("/api/v1/tickets", json=REPORT).json["id"]
    second = operator.post("/api/v1/tickets", json=REPORT).json["id"]
    operator.get(f"/api/v1/tickets/{first}")
    other.get(f"/api/v1/tickets/{second}")
    other.get(f"/api/v1/tickets/{first}")

    items = supervisor.get("/api/v1/access-log").json["items"]
    assert [(i["user"], i["ticket_id"]) for i in items] == [("otto", first), ("otto", second), ("olga", first)]
    by_ticket = supervisor.get(f"/api/v1/access-log?ticket_id={first}").json
    assert by_ticket["total"] == 2 and {i["user"] for i in by_ticket["items"]} == {"olga", "otto"}
    assert supervisor.get("/api/v1/access-log?user=olga").json["total"] == 1
    page = supervisor.get("/api/v1/access-log?per_page=2&page=2").json
    assert page["total"] == 3 and len(page["items"]) == 1
    assert supervisor.get("/api/v1/access-log?from=2000-01-01&to=2000-01-02").json["total"] == 0
    assert supervisor.get("/api/v1/access-log?child_id=5").json["total"] == 0


def test_bad_filters_are_422_naming_the_field(login):
    supervisor = login("supervisor")
    for query, field in (
        ("from=yesterday", "from"),
        ("to=1800-01-01", "to"),
        ("from=2026-12-02&to=2026-12-01", "from"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("ticket_id=abc", "ticket_id"),
    ):
        r = supervisor.get(f"/api/v1/access-log?{query}")
        assert r.status_code == 422, query
        assert field in str(r.json["errors"]), (query, r.json)


def test_only_supervisors_and_admins_review(login, client):
    assert client.get("/api/v1/access-log").status_code == 401
    for role, bureau in (("operator", None), ("liaison", "education")):
        assert login(role, bureau=bureau).get("/api/v1/access-log").status_code == 403
    assert login("admin").get("/api/v1/access-log").status_code == 200
