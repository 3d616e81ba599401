"""GET /api/v1/overdue, department contacts, and the admin-only rq-dashboard, over HTTP.

Tickets are created by the real dispatch service at fixed past moments (Asia/Shanghai):
a ``normal`` ticket dispatched Mon 9 Mar 2026 14:00 must be signed for by Tue 10 Mar 14:00
and answered by Mon 16 Mar 14:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from hotline.escalation.chaser import chase_overdue
from hotline.settings import current_settings
from tests.factories_chaser import local, make_ticket, set_contacts
from tests.web.conftest import Pages

SIGN_DUE = local("2026-03-10 14:00")


def overdue(api, at: datetime | None = None, **params):
    query = dict(params)
    if at is not None:
        query["at"] = at.isoformat()
    url = "/api/v1/overdue" + ("?" + "&".join(f"{k}={quote(str(v))}" for k, v in query.items()) if query else "")
    return api.get(url)


@pytest.mark.parametrize(
    "role, bureau, status",
    [
        ("operator", None, 403),
        ("liaison", "public_security", 403),
        ("supervisor", None, 200),
        ("admin", None, 200),
    ],
)
def test_who_may_see_the_overdue_queue(login, role, bureau, status):
    assert overdue(login(role, bureau=bureau)).status_code == status


def test_signed_out_is_401(client):
    response = client.get("/api/v1/overdue")
    assert response.status_code == 401 and response.json["code"] == 401


def test_most_overdue_first_with_each_kind_and_level(app, login, make_user):
    from hotline.tracking.services import accept_assignment

    set_contacts(make_user)
    older = make_ticket(local("2026-03-09 09:00"))  # sign-for due Tue 09:00
    newer = make_ticket(local("2026-03-09 14:00"))  # sign-for due Tue 14:00
    answered = make_ticket(local("2026-03-02 10:00"))  # signed for; feedback due Mon 9 Mar 10:00
    liaison = make_user("liaison-ps", "liaison", bureau="public_security")
    accept_assignment(
        answered.assignments[0].id, actor=liaison, now=local("2026-03-02 11:00"), settings=current_settings()
    )
    not_late = make_ticket(local("2026-03-10 10:00"))  # due Wed 11 Mar 10:00
    ids = {
        name: t.assignments[0].id
        for name, t in (("older", older), ("newer", newer), ("answered", answered), ("not_late", not_late))
    }
    numbers = {ids["older"]: older.number}
    at = local("2026-03-10 15:00")
    chase_overdue(
        at, tz=current_settings().timezone
    )  # level 1 for the two sign-for deadlines; level 2 for the feedback one (due + 1 working day)

    supervisor = login("supervisor")
    body = overdue(supervisor, at).json
    items = body["items"]
    assert [i["assignment_id"] for i in items] == [ids["answered"], ids["older"], ids["newer"]]
    assert body["total"] == 3
    first, second, third = items
    assert first["kind"] == "feedback" and first["due_at"] == local("2026-03-09 10:00").astimezone(UTC).isoformat()
    assert first["overdue_seconds"] == int((at - local("2026-03-09 10:00")).total_seconds())
    assert second == {
        "assignment_id": ids["older"],
        "ticket_id": older.id,
        "ticket_number": numbers[ids["older"]],
        "bureau": "public_security",
        "kind": "sign",
        "due_at": local("2026-03-10 09:00").astimezone(UTC).isoformat(),
        "overdue_seconds": 6 * 3600,
        "escalation_level": 1,
        "escalation_reached": ["liaisons", "heads"],
        "escalation_recipients": 2,
    }
    assert third["overdue_seconds"] == 3600 and third["escalation_level"] == 1
    assert first["escalation_level"] == 2

    # `at` = what will be late by then: the fourth is late from Wed 10:00 on, with no level yet.
    later = overdue(supervisor, local("2026-03-11 10:00")).json["items"]
    assert later[-1]["assignment_id"] == ids["not_late"] and later[-1]["overdue_seconds"] == 0
    assert later[-1]["escalation_level"] == 0
    assert overdue(supervisor, local("2026-03-09 08:00")).json["items"] == []
    # A local time without an offset is read in HOTLINE_TIMEZONE.
    assert len(supervisor.get("/api/v1/overdue?at=2026-03-10T15:00:00").json["items"]) == 3
    assert [i["assignment_id"] for i in overdue(supervisor, at, limit=2).json["items"]] == [
        ids["answered"],
        ids["older"],
    ]
    assert overdue(supervisor, at, limit=2).json["total"] == 3


def test_bureau_filter_and_bad_parameters(app, login, make_user):
    set_contacts(make_user)
    make_ticket(local("2026-03-09 14:00"))  # judicial: public_security
    make_ticket(local("2026-03-09 14:00"), protection_type="education")  # education + the street office
    supervisor = login("supervisor")
    at = SIGN_DUE + timedelta(hours=1)
    assert {i["bureau"] for i in overdue(supervisor, at).json["items"]} == {
        "public_security",
        "education",
        "street:jiangyuan",
    }
    assert {i["bureau"] for i in overdue(supervisor, at, bureau="education").json["items"]} == {"education"}
    assert overdue(supervisor, at, bureau="civil_affairs").json["items"] == []
    unknown = overdue(supervisor, at, bureau="nowhere")
    assert unknown.status_code == 422 and "bureau" in unknown.json["errors"]
    bad_at = supervisor.get("/api/v1/overdue?at=tomorrow")
    assert bad_at.status_code == 422 and "at" in bad_at.json["errors"]
    bad_limit = overdue(supervisor, at, limit=0)
    assert bad_limit.status_code == 422 and "limit" in bad_limit.json["errors"]


def test_department_contacts_endpoint(app, login):
    admin, supervisor = login("admin"), login("supervisor")
    url = "/api/v1/departments/public_security/contacts"
    response = admin.put(
        url, json={"head_phones": ["+8613800000501"], "liaison_phones": ["+8613800000502", "+8613800000503"]}
    )
    assert response.status_code == 200
    assert response.json == {
        "code": "public_security",
        "name": "区公安局",
        "head_phones": ["+8613800000501"],
        "liaison_phones": ["+8613800000502", "+8613800000503"],
    }
    # Only the list given is replaced.
    assert admin.put(url, json={"head_phones": []}).json["liaison_phones"] == ["+8613800000502", "+8613800000503"]
    assert supervisor.get(url).json["head_phones"] == []
    assert supervisor.put(url, json={"head_phones": ["+8613800000501"]}).status_code == 403
    assert login("liaison", bureau="public_security").get(url).status_code == 403
    bad = admin.put(url, json={"head_phones": ["12345"]})
    assert bad.status_code == 422 and "head_phones" in bad.json["errors"]
    assert admin.put(url, json={}).status_code == 422
    assert (
        admin.put("/api/v1/departments/nowhere/contacts", json={"head_phones": ["+8613800000501"]}).status_code == 404
    )


def test_rq_dashboard_is_for_admins_only(app, client, login, make_user):
    assert client.get("/admin/rq/").status_code in (302, 401)
    assert client.get("/admin/rq/").headers.get("Location", "").startswith("/login")
    assert client.get("/admin/rq/0/data/queues.json").status_code in (302, 401)
    liaison = login("liaison", bureau="public_security")
    assert liaison.get("/admin/rq/").status_code == 403
    assert login("supervisor").get("/admin/rq/0/data/queues.json").status_code == 403
    admin = login("admin")
    assert admin.get("/admin/rq/").status_code == 200
    queues = admin.get("/admin/rq/0/data/queues.json")
    assert queues.status_code == 200 and "queues" in queues.json
    assert client.get("/admin/rq/", headers={"Authorization": "Bearer wrong"}).status_code == 401

    # A web session works too: an admin is let in, anyone else is refused.
    make_user("web-admin", "admin")
    make_user("web-operator", "operator")
    browser = Pages(app, app.test_client())
    assert browser.sign_in("web-operator").status_code == 302
    assert browser.get("/admin/rq/").status_code == 403
    browser = Pages(app, app.test_client())
    assert browser.sign_in("web-admin").status_code == 302
    assert browser.get("/admin/rq/").status_code == 200
