"""The call log: GET /api/v1/calls, the call-back list, called-back, and a caller's context."""

from __future__ import annotations

import pytest

from tests.factories_dispatch import ticket_body
from tests.twilio_signing import CALLER, TWILIO_CONFIG, sid


@pytest.fixture
def app_config():
    return dict(TWILIO_CONFIG)


def a_call(twilio, *, choice=None, dial=None, recording=False, end="completed", caller=CALLER, duration=30) -> str:
    call_sid = sid("CA")
    twilio.voice(call_sid, caller=caller)
    if choice:
        twilio.menu(call_sid, choice, caller=caller)
    if dial:
        twilio.dial(call_sid, dial, caller=caller)
    if recording:
        twilio.recording(call_sid, sid("RE"), caller=caller)
    if end:
        twilio.status(call_sid, end, duration=duration, caller=caller)
    return call_sid


def test_the_call_log_newest_first_with_the_contract_fields(twilio, login):
    answered = a_call(twilio, choice="2", dial="completed", duration=200)
    voicemail = a_call(twilio, choice="1", dial="no-answer", recording=True, duration=60)
    live = a_call(twilio, end=None)
    operator = login("operator")
    response = operator.get("/api/v1/calls")
    assert response.status_code == 200
    items = response.json["items"]
    assert [c["call_sid"] for c in items] == [live, voicemail, answered]
    assert set(items[0]) >= {"call_sid", "from", "status", "menu_choice", "started_at", "duration", "ticket_id"}
    by_sid = {c["call_sid"]: c for c in items}
    assert by_sid[answered]["status"] == "completed" and by_sid[answered]["duration"] == 200
    assert by_sid[answered]["menu_choice"] == "2" and by_sid[answered]["ticket_id"] is None
    assert by_sid[voicemail]["status"] == "missed" and by_sid[voicemail]["ticket_id"] is not None
    assert by_sid[voicemail]["has_recording"] is True and "recording_url" not in by_sid[voicemail]
    assert by_sid[live]["status"] == "in_progress" and by_sid[live]["from"] == CALLER


def test_missed_calls_wait_until_an_operator_marks_them_called_back(twilio, login):
    missed = [a_call(twilio, end=status) for status in ("no-answer", "busy", "canceled", "failed")]
    abandoned = a_call(twilio, choice="2", end="completed")  # hung up while the operators' phones rang
    a_call(twilio, choice="2", dial="completed")  # answered: not missed
    operator = login("operator")
    listed = [c["call_sid"] for c in operator.get("/api/v1/calls?status=missed").json["items"]]
    assert listed == [abandoned, *reversed(missed)]
    response = operator.post(f"/api/v1/calls/{abandoned}/called-back")
    assert response.status_code == 200 and response.json["status"] == "called_back"
    assert response.json["called_back_at"]
    assert abandoned not in [c["call_sid"] for c in operator.get("/api/v1/calls?status=missed").json["items"]]
    assert [c["call_sid"] for c in operator.get("/api/v1/calls?status=called_back").json["items"]] == [abandoned]
    # Twice, or a call that was not missed: 409; an unknown call: 404.
    assert operator.post(f"/api/v1/calls/{abandoned}/called-back").status_code == 409
    live = a_call(twilio, end=None)
    assert operator.post(f"/api/v1/calls/{live}/called-back").status_code == 409
    assert operator.post("/api/v1/calls/CAnope/called-back").status_code == 404
    # A status callback arriving late does not put it back on the list.
    twilio.status(abandoned, "completed")
    assert operator.get(f"/api/v1/calls/{abandoned}").json["status"] == "called_back"


def test_who_may_see_the_call_log(twilio, client, login):
    a_call(twilio)
    for role in ("operator", "supervisor", "admin"):
        assert login(role).get("/api/v1/calls").status_code == 200
    assert login("liaison", bureau="education").get("/api/v1/calls").status_code == 403
    assert client.get("/api/v1/calls").status_code == 401
    assert login("operator").get("/api/v1/calls?status=lost").status_code == 422


def test_an_operator_logging_a_ticket_links_the_call(twilio, login):
    call_sid = a_call(twilio, choice="2", dial="completed")
    operator = login("operator")
    created = operator.post("/api/v1/tickets", json=ticket_body(call_sid=call_sid, reporter={"phone": CALLER}))
    assert created.status_code == 201, created.json
    (call,) = operator.get("/api/v1/calls").json["items"]
    assert call["ticket_id"] == created.json["id"]


def test_the_context_lists_the_callers_earlier_tickets_and_calls(twilio, login):
    operator = login("operator")
    by_phone = operator.post("/api/v1/tickets", json=ticket_body(reporter={"phone": CALLER})).json["id"]
    voicemail_call = a_call(twilio, choice="2", dial="no-answer", recording=True)
    other_caller = operator.post("/api/v1/tickets", json=ticket_body(reporter={"phone": "+8613000000000"})).json["id"]
    current = a_call(twilio, end=None)
    response = operator.get(f"/api/v1/calls/{current}/context")
    assert response.status_code == 200
    body = response.json
    assert body["call"]["call_sid"] == current and body["caller_identified"] is True
    voicemail_ticket = operator.get("/api/v1/calls").json["items"][1]["ticket_id"]
    assert [t["id"] for t in body["tickets"]] == [voicemail_ticket, by_phone]
    assert other_caller not in [t["id"] for t in body["tickets"]]
    assert [c["call_sid"] for c in body["calls"]] == [voicemail_call]
    # The summary carries no child or reporter details.
    assert not {"child", "reporter", "description", "location"} & set(body["tickets"][0])
    assert operator.get("/api/v1/calls/CAnope/context").status_code == 404
    assert login("liaison", bureau="education").get(f"/api/v1/calls/{current}/context").status_code == 403


def test_a_withheld_number_has_no_history(twilio, login):
    a_call(twilio, caller="+266696687", choice="2", dial="no-answer", recording=True)
    current = a_call(twilio, caller="+266696687", end=None)
    body = login("operator").get(f"/api/v1/calls/{current}/context").json
    assert body["caller_identified"] is False and body["tickets"] == [] and body["calls"] == []


def test_a_callers_context_is_audited_one_row_per_ticket_shown(twilio, login):
    operator = login("operator", username="olga")
    supervisor = login("supervisor")
    first = operator.post("/api/v1/tickets", json=ticket_body(reporter={"phone": CALLER})).json["id"]
    second = operator.post("/api/v1/tickets", json=ticket_body(reporter={"phone": CALLER})).json["id"]
    current = a_call(twilio, end=None)
    agent = {"User-Agent": "console/1.0"}
    assert operator.get(f"/api/v1/calls/{current}/context", headers=agent).status_code == 200
    items = supervisor.get("/api/v1/access-log?user=olga").json["items"]
    assert sorted(i["ticket_id"] for i in items) == [first, second]
    assert {(i["via"], i["role"], i["user_agent"]) for i in items} == {("call", "operator", "console/1.0")}
    assert all(i["ip"] for i in items)
