"""The served OpenAPI document lists the reference codes in force as enums: what the service
accepts is what the document offers, and a code added by an administrator appears at once."""

from __future__ import annotations

from hotline.reference.services import save_street


def _properties(document: dict, schema: str) -> dict:
    return document["components"]["schemas"][schema]["properties"]


def test_code_fields_carry_the_codes_in_force(client):
    document = client.get("/api/v1/openapi.json").get_json()
    create = _properties(document, "TicketCreate")
    assert "school_bullying" not in create["protection_types"]["items"]["enum"]
    assert {"education", "civil_affairs"} & set(create["protection_types"]["items"]["enum"])
    assert create["urgency"]["enum"] == ["emergency", "normal", "urgent"]
    assert "jiangyuan" in _properties(document, "Location")["street"]["enum"]
    assert "civil_affairs" in _properties(document, "AssignmentRequest")["bureau"]["enum"]
    report_urgency = _properties(document, "ReportCreate")["urgency"]
    assert report_urgency["nullable"] is True and report_urgency["enum"][-1] is None


def test_a_street_added_by_an_administrator_is_offered_at_once(client):
    save_street("xinhua", {"name": "新华街道", "name_en": "Xinhua", "active": True}, new=True)
    document = client.get("/api/v1/openapi.json").get_json()
    assert "xinhua" in _properties(document, "Location")["street"]["enum"]
    assert "xinhua" in _properties(document, "ChildFileCreate")["street"]["enum"]


def test_a_code_outside_the_enum_is_refused_naming_the_field(client, login):
    api = login("operator")
    document = client.get("/api/v1/openapi.json").get_json()
    assert "nowhere" not in _properties(document, "Location")["street"]["enum"]
    body = {
        "description": "孩子在车站附近流浪了好几天",
        "location": {"street": "nowhere"},
        "protection_types": ["civil_affairs"],
        "urgency": "normal",
        "channel": "phone",
    }
    response = api.post("/api/v1/tickets", json=body)
    assert response.status_code == 422
    assert "street" in response.get_json()["errors"]["location"]
