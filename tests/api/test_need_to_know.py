"""Need-to-know (CONTRACT "Need-to-know"): a department sees identities only once it has signed
for, nothing once its order was returned or withdrawn, only links to tickets it may read; an
anonymous reporter is stored nowhere. The web ticket page follows the same rule."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket
from tests.api.test_tracking_flow import REPORT, by_bureau, create, text


def identities(ticket_json):
    return (
        ticket_json["child"]["name"],
        ticket_json["child"]["age"],
        ticket_json["location"]["address"],
        ticket_json["reporter"]["phone"],
    )


def test_identities_only_after_sign_for(login):
    operator = login("operator")
    lead = login("liaison", bureau="civil_affairs")
    street = login("liaison", bureau="street:jiangyuan")
    ticket = create(operator)
    lead_a = by_bureau(ticket, "civil_affairs")

    for liaison in (lead, street):  # lead and assist alike
        r = liaison.get(f"/api/v1/tickets/{ticket['id']}")
        assert r.status_code == 200
        assert identities(r.json) == (None, None, None, None)
        assert r.json["description"] == REPORT["description"]
        assert r.json["location"]["street"] == "jiangyuan" and r.json["urgency"] == "normal"
        assert r.json["protection_types"] == ["relief"] and len(r.json["assignments"]) == 2
        for secret in ("李小花", "幸福路", "+8613900001111", "张先生"):
            assert secret not in text(r)

    assert lead.post(f"/api/v1/assignments/{lead_a['id']}/accept").status_code == 200
    signed = lead.get(f"/api/v1/tickets/{ticket['id']}").json
    assert identities(signed) == ("李小花", 7, "幸福路12号3单元", "+8613900001111")
    assert signed["reporter"]["name"] is None  # a department never needs the reporter's name
    # The assist that has not signed for still sees no identities.
    assert identities(street.get(f"/api/v1/tickets/{ticket['id']}").json) == (None, None, None, None)
    # The center sees everything.
    assert identities(operator.get(f"/api/v1/tickets/{ticket['id']}").json)[0] == "李小花"


def test_a_returned_department_no_longer_sees_the_ticket(login):
    operator = login("operator")
    street = login("liaison", bureau="street:jiangyuan")
    ticket = create(operator)
    street_a = by_bureau(ticket, "street:jiangyuan")
    assert street.post(f"/api/v1/assignments/{street_a['id']}/accept").status_code == 200
    assert (
        street.post(f"/api/v1/assignments/{street_a['id']}/return", json={"reason": "不属于本街道"}).status_code == 200
    )
    # While the request is open the department still holds the ticket.
    assert street.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
    assert operator.post(f"/api/v1/assignments/{street_a['id']}/return/approve", json={}).status_code == 200

    assert street.get(f"/api/v1/tickets/{ticket['id']}").status_code == 404
    listing = street.get("/api/v1/tickets").json
    assert listing["total"] == 0 and listing["items"] == []
    assert street.get("/api/v1/tickets?view=pending").json["total"] == 0
    r = street.post(f"/api/v1/assignments/{street_a['id']}/feedback", json={"summary": "已处理", "final": True})
    assert r.status_code == 404


def test_a_department_taken_off_by_re_dispatch_no_longer_sees_the_ticket(login):
    operator = login("operator")
    civil = login("liaison", bureau="civil_affairs")
    ticket = create(operator)
    assert civil.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
    r = operator.post(
        f"/api/v1/tickets/{ticket['id']}/dispatch", json={"assignments": [{"bureau": "education", "role": "lead"}]}
    )
    assert r.status_code == 200, r.json
    assert civil.get(f"/api/v1/tickets/{ticket['id']}").status_code == 404
    assert civil.get("/api/v1/tickets").json["total"] == 0


def test_related_lists_only_tickets_the_caller_may_read(login):
    operator = login("operator")
    education = login("liaison", bureau="education")
    first = create(operator)  # relief: civil affairs + the street office
    second = create(operator, protection_types=["education"])  # the same child: linked
    assert operator.get(f"/api/v1/tickets/{second['id']}").json["related"][0]["id"] == first["id"]
    mine = education.get(f"/api/v1/tickets/{second['id']}")
    assert mine.status_code == 200 and education.get(f"/api/v1/tickets/{first['id']}").status_code == 404
    assert mine.json["related"] == []
    assert first["number"] not in text(mine)


def test_anonymous_means_nothing_stored_on_any_channel(login):
    operator = login("operator")
    ticket = create(operator, reporter={"name": "张先生", "phone": "+8613900001111", "anonymous": True})
    row = db.session.get(Ticket, ticket["id"])
    assert (row.reporter_name, row.reporter_phone, row.reporter_anonymous, row.phone_key) == (None, None, True, None)
    assert ticket["reporter"] == {"name": None, "phone": None, "anonymous": True}
    # Correcting a ticket to anonymous removes what was stored.
    named = create(operator)
    r = operator.patch(f"/api/v1/tickets/{named['id']}", json={"reporter": {"anonymous": True}})
    if r.status_code == 200:
        db.session.expire_all()
        stored = db.session.scalar(sa.select(Ticket).where(Ticket.id == named["id"]))
        assert (stored.reporter_name, stored.reporter_phone) == (None, None)
