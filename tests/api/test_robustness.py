"""No request a client can send gets a 5xx: out-of-range ids, pages, dates, deep JSON, long URLs,
wrong methods, and a database that is away."""

import json

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket
from tests.api.test_input_hygiene import TICKET

BEYOND = str(2**31)  # one past PostgreSQL's integer
HUGE = "9" * 40


ID_PATHS = [
    ("get", "/api/v1/tickets/{}"),
    ("post", "/api/v1/tickets/{}/close"),
    ("post", "/api/v1/tickets/{}/dispatch"),
    ("post", "/api/v1/assignments/{}/accept"),
    ("post", "/api/v1/assignments/{}/extensions"),
    ("post", "/api/v1/extensions/{}/approve"),
]


def test_ids_beyond_the_database_range_are_404(login):
    supervisor = login("supervisor")
    for method, path in ID_PATHS:
        for ident in (BEYOND, HUGE, "0" * 30 + BEYOND):
            response = getattr(supervisor, method)(path.format(ident), json={})
            assert response.status_code == 404, (path, ident)
            assert response.json["code"] == 404


def test_largest_id_is_a_plain_not_found(login):
    supervisor = login("supervisor")
    assert supervisor.get(f"/api/v1/tickets/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/messages", "/api/v1/calls", "/api/v1/extensions"])
def test_page_bounds_are_422_naming_the_field(login, path):
    supervisor = login("supervisor")
    for query in ("page=0", "page=10000000000000", f"page={HUGE}", "per_page=0", "per_page=100000", "page=-1"):
        response = supervisor.get(f"{path}?{query}")
        assert response.status_code == 422, (query, response.json)
        assert set(response.json["errors"]) & {"page", "per_page"}


def test_last_allowed_page_is_an_empty_list(login):
    supervisor = login("supervisor")
    response = supervisor.get("/api/v1/tickets?page=100000&per_page=200")
    assert response.status_code == 200 and response.json["items"] == []


DATES = [
    "/api/v1/stats?to=9999-12-31",
    "/api/v1/stats?from=0001-01-01",
    "/api/v1/stats?from=1899-12-31",
    "/api/v1/stats?to=2201-01-01",
    "/api/v1/overdue?at=0001-01-01T00:00:00",
    "/api/v1/overdue?at=9999-12-31T23:59:59%2B14:00",
    "/api/v1/overdue?at=0001-01-01T00:00:00-12:00",
]


def test_dates_outside_1900_2200_are_422(login):
    supervisor = login("supervisor")
    for url in DATES:
        response = supervisor.get(url)
        assert response.status_code == 422, (url, response.json)
        assert set(response.json["errors"]) & {"from", "to", "at"}


def test_dates_at_the_edges_are_answered(login):
    supervisor = login("supervisor")
    assert supervisor.get("/api/v1/stats?from=1900-01-01&to=2200-12-31").status_code == 200
    assert supervisor.get("/api/v1/overdue?at=2200-12-31T23:00:00%2B08:00").status_code == 200


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_deep_json_is_422_without_signing_in(client):
    for body in (_nested(33), _nested(500), _nested(5000), "[" * 30000 + "]" * 30000, "[" * 30000):
        response = client.post("/api/v1/auth/tokens", data=body, content_type="application/json")
        assert response.status_code == 422, len(body)
        assert "body" in response.json["errors"]


def test_deep_arrays_and_brackets_in_strings(login):
    operator = login("operator")
    deep = json.dumps(dict(TICKET, child={"name": "x"})).replace('"x"', "[" * 40 + "]" * 40)
    assert operator.post("/api/v1/tickets", data=deep, headers={"Content-Type": "application/json"}).status_code == 422
    # Brackets inside a string are text, not nesting: 40 of them in a description are fine.
    body = dict(TICKET, description="孩子需要帮助 " + "[{" * 40 + ' \\" ' + "}]" * 40)
    response = operator.post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.json
    # 32 levels exactly is accepted by the door (the schema then names the field).
    response = operator.post(
        "/api/v1/tickets",
        data=json.dumps(dict(TICKET, child=json.loads(_nested(31)))),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422 and "child" in response.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_authentication_comes_before_body_checks(client):
    for body in ('{"description":"a\\u0000b"}', _nested(500), "not json"):
        response = client.post("/api/v1/tickets", data=body, content_type="application/json")
        assert response.status_code == 401, body
        assert response.json["code"] == 401


def test_role_comes_before_body_checks(login):
    liaison = login("liaison", bureau="education")
    response = liaison.put("/api/v1/rules", data=_nested(500), headers={"Content-Type": "application/json"})
    assert response.status_code == 403


def test_405_names_the_allowed_methods(login):
    supervisor = login("supervisor")
    response = supervisor.put("/api/v1/tickets", json={})
    assert response.status_code == 405
    assert response.json["code"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "GET" in supervisor.client.delete("/api/v1/reference").headers["Allow"]


def test_too_long_url_on_the_api_is_json_414(client):
    response = client.get("/api/v1/tickets?call_sid=" + "x" * 5000)
    assert response.status_code == 414
    assert response.json["code"] == 414


class TestDatabaseAway:
    @pytest.fixture
    def app_config(self):
        # Nothing listens on port 1: every connection is refused at once.
        return {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://hotline@127.0.0.1:1/hotline"}

    @pytest.fixture
    def app(self, migrated, base_config, app_config):
        from hotline import create_app

        app = create_app({**base_config, **app_config})
        with app.app_context():
            yield app
            db.session.remove()

    def test_api_answers_503_with_retry_after(self, client):
        for response in (
            client.post("/api/v1/auth/tokens", json={"username": "a", "password": "b" * 12}),
            client.get("/api/v1/tickets", headers={"Authorization": "Bearer abc"}),
            client.post("/api/v1/reports", json=dict(TICKET)),
        ):
            assert response.status_code == 503, response.get_data(as_text=True)
            assert response.json["code"] == 503 and response.json["message"]
            assert int(response.headers["Retry-After"]) > 0

    def test_the_error_log_keeps_no_tracking_code_from_the_path(self, client, caplog):
        """The app's own log line for a 503 names the route, never the reporter's tracking code."""
        with caplog.at_level("WARNING", logger="hotline.errors"):
            response = client.get("/api/v1/reports/8302164597?secret=123456")
        assert response.status_code == 503
        logged = " ".join(r.getMessage() for r in caplog.records if r.name == "hotline.errors")
        assert "/api/v1/reports/[redacted]" in logged
        assert "8302164597" not in logged and "123456" not in logged

    def test_pages_answer_503_with_retry_after(self, client):
        response = client.post("/login", data={"username": "a", "password": "b" * 12})
        assert response.status_code in (503, 303)  # 303: the CSRF token is checked first (back to the form)
        response = client.get("/readyz")
        assert response.status_code == 503 and "database" in response.json["failed"]
        assert int(response.headers["Retry-After"]) > 0


def test_ids_in_queries_and_bodies_beyond_range_are_422(login):
    supervisor = login("supervisor")
    for url in (f"/api/v1/messages?ticket_id={BEYOND}", f"/api/v1/rules?version={BEYOND}"):
        response = supervisor.get(url)
        assert response.status_code == 422, (url, response.json)
    admin = login("admin")
    response = admin.put("/api/v1/rules", json={"rules": [], "base_version": 2**40})
    assert response.status_code == 422 and "base_version" in response.json["errors"]


def test_unknown_message_kind_or_status_is_422(login):
    supervisor = login("supervisor")
    for query in ("kind=", "kind=x", "status=bogus"):
        response = supervisor.get(f"/api/v1/messages?{query}")
        assert response.status_code == 422, (query, response.json)
