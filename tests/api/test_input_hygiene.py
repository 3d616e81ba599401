"""Text a database cannot store is a 422 naming the field on every endpoint, never a 500."""

import json

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket

TICKET = {
    "description": "孩子独自在家多日，无人照看，需要帮助。",
    "location": {"street": "jiangyuan", "address": "某小区"},
    "protection_types": ["relief"],
    "urgency": "normal",
    "channel": "phone",
}


def test_operator_ticket_with_nul_is_422_naming_the_field(login):
    operator = login("operator")
    body = dict(TICKET, child={"name": "小\x00明"})
    response = operator.post("/api/v1/tickets", json=body)
    assert response.status_code == 422
    assert response.json["errors"]["child"]["name"]
    lone = json.dumps(dict(TICKET, description="孩子需要帮助\ud800" * 3))  # escaped: \ud800 on the wire
    response = operator.post("/api/v1/tickets", data=lone, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "description" in response.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_query_and_path_with_nul_are_422(login):
    supervisor = login("supervisor")
    assert supervisor.get("/api/v1/tickets?call_sid=CA%00x").status_code == 422
    assert supervisor.get("/api/v1/messages?to=%2B86%00").status_code == 422
    assert supervisor.get("/api/v1/calls/CA%00x/context").status_code == 404


def test_error_keys_are_strings_even_for_list_items(login):
    operator = login("operator")
    response = operator.post("/api/v1/tickets", json=dict(TICKET, protection_types=[None, "0", 5]))
    assert response.status_code == 422
    assert "protection_types" in response.json["errors"]


def test_chinese_is_readable_in_api_bodies(client):
    raw = client.get("/api/v1/reference").get_data(as_text=True)
    assert "救助保护" in raw
