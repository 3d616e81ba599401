"""Working together on a ticket, in the pages: the list's search box, notes with their in-app
notice, attachments, taking a department off (撤回), feedback on its behalf (代反馈), and the
printable work order (打印工单)."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog, Assignment, Attachment, Feedback, Note
from hotline.settings import current_settings
from tests.web.conftest import text
from tests.web.helpers import ensure_user, judicial_ticket, make_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 48


def civil_ticket(**changes):
    """civil_affairs leads, the street office of jiangyuan assists (the shipped rules)."""
    return make_ticket(ensure_user("op", "operator"), **changes)[0]


def refresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def test_the_ticket_list_searches_by_name_phone_number_and_address(signed_in):
    operator = signed_in("operator")
    wanted = civil_ticket()
    other = civil_ticket(
        child={"name": "小华"},
        location={"street": "jiangyuan", "address": "人民路9号"},
        reporter={"phone": "+8613500000001"},
    )
    html = text(operator.get("/tickets/"))
    assert 'name="q"' in html and "搜索" in html
    for q in ("小明", "13800000009", wanted.number, "火车站广场"):
        html = text(operator.get("/tickets/", query_string={"q": q}))
        assert wanted.number in html and other.number not in html, q
        assert f'value="{q}"' in html  # the box keeps what was typed
    assert other.number in text(operator.get("/tickets/", query_string={"q": "小华"}))


def test_notes_on_the_ticket_page_and_their_in_app_notice(signed_in):
    ticket = civil_ticket()
    liaison = signed_in("liaison", bureau="civil_affairs")
    operator = signed_in("operator")
    url = f"/tickets/{ticket.id}"

    response = liaison.post(f"{url}/notes", {"note-body": "   "})
    assert response.status_code == 422
    assert "note-body-errors" in text(response)  # the error sits beside the field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Note)) == 0

    response = liaison.post(f"{url}/notes", {"note-body": "请街道先上门核实，民政局随后跟进。"})
    assert response.status_code == 302
    # The operator is told in the app (no SMS): a badge in the list until they open the ticket.
    assert "新留言 1 条" in text(operator.get("/tickets/"))
    html = text(operator.get(url))
    assert "请街道先上门核实" in html and "区民政局" in html.split('id="h-notes"')[1]
    assert "新留言" not in text(operator.get("/tickets/"))
    # The street office (on the ticket) sees the note too, and its inbox says it is new.
    street = signed_in("liaison", bureau="street:jiangyuan")
    assert "新留言 1 条" in text(street.get("/liaison/"))
    assert "请街道先上门核实" in text(street.get(url))


def test_attachments_are_uploaded_listed_and_opened_from_the_page(signed_in):
    ticket = civil_ticket()
    liaison = signed_in("liaison", bureau="civil_affairs")
    url = f"/tickets/{ticket.id}/attachments"

    def upload(data, name):
        return liaison.post(url, {"upload-file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    response = upload(b"just text, not an image", "photo.png")
    assert response.status_code == 422 and "JPEG、PNG" in text(response)
    response = upload(PNG + b"\x00" * (10 * 1024 * 1024 - len(PNG) + 1), "big.png")  # one byte over 10 MB
    assert response.status_code == 422 and "不能超过 10 兆字节" in text(response)
    assert 'id="upload-file-errors"' in text(response)  # beside the field
    response = upload(PNG, "走访照片.png")
    assert response.status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    html = text(liaison.get(f"/tickets/{ticket.id}"))
    assert "走访照片.png" in html and f"/attachments/{attachment.id}" in html
    reads = db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog))
    response = liaison.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog)) == reads + 1
    # Another department: the file does not exist for it.
    other = signed_in("liaison", bureau="education")
    assert other.get(f"/attachments/{attachment.id}").status_code == 404


def test_an_operator_takes_a_department_off_the_ticket(signed_in):
    ticket = civil_ticket()
    street_a = next(a for a in ticket.assignments if a.role == "assist")
    street = signed_in("liaison", bureau="street:jiangyuan")
    assert street.get(f"/tickets/{ticket.id}").status_code == 200
    assert "撤回此承办部门" not in text(street.get(f"/tickets/{ticket.id}"))  # not a liaison's step
    assert street.post(f"/assignments/{street_a.id}/withdraw", {f"wd{street_a.id}-reason": "x"}).status_code == 403

    operator = signed_in("operator")
    html = text(operator.get(f"/tickets/{ticket.id}"))
    assert f'id="withdraw-{street_a.id}"' in html and "撤回此承办部门" in html
    response = operator.post(f"/assignments/{street_a.id}/withdraw", {f"wd{street_a.id}-reason": ""})
    assert response.status_code == 422 and f'id="withdraw-{street_a.id}" open' in text(response)
    response = operator.post(f"/assignments/{street_a.id}/withdraw", {f"wd{street_a.id}-reason": "孩子不在本街道"})
    assert response.status_code == 302
    assert refresh(street_a).status == "withdrawn"
    assert "已撤回" in text(operator.get(f"/tickets/{ticket.id}"))
    assert street.get(f"/tickets/{ticket.id}").status_code == 404


def test_a_supervisor_records_feedback_on_the_departments_behalf(signed_in):
    from hotline.tracking.services import accept_assignment

    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    accept_assignment(
        assignment.id,
        actor=ensure_user("li", "liaison", bureau="public_security"),
        now=ticket.created_at,
        settings=current_settings(),
    )
    supervisor = signed_in("supervisor")
    html = text(supervisor.get(f"/tickets/{ticket.id}"))
    assert f'id="on-behalf-{assignment.id}"' in html and "代反馈" in html
    response = supervisor.post(
        f"/assignments/{assignment.id}/feedback/on-behalf",
        {f"ob{assignment.id}-summary": "派出所电话告知：已出警并联系家长。", f"ob{assignment.id}-final": "y"},
    )
    assert response.status_code == 302
    feedback = db.session.scalars(sa.select(Feedback)).one()
    assert feedback.on_behalf and feedback.final
    assert refresh(assignment).status == "completed"
    assert "代反馈" in text(supervisor.get(f"/tickets/{ticket.id}"))
    operator = signed_in("operator")
    assert f'id="on-behalf-{assignment.id}"' not in text(operator.get(f"/tickets/{ticket.id}"))


def test_the_printable_work_order(signed_in):
    from hotline.tracking.notes import add_note
    from hotline.tracking.services import accept_assignment, add_feedback

    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    liaison = ensure_user("li", "liaison", bureau="public_security")
    accept_assignment(assignment.id, actor=liaison, now=ticket.created_at, settings=current_settings())
    add_feedback(
        assignment.id,
        "已出警，孩子已由奶奶接回。",
        False,
        actor=liaison,
        now=ticket.created_at,
        settings=current_settings(),
    )
    add_note(ticket.id, "请街道下周回访。", actor=liaison, now=ticket.created_at)
    supervisor = signed_in("supervisor")
    supervisor.get(f"/tickets/{ticket.id}")  # a read: in the detail's timeline, never on paper

    assert f'href="/tickets/{ticket.id}/print"' in text(supervisor.get(f"/tickets/{ticket.id}"))
    response = supervisor.get(f"/tickets/{ticket.id}/print")
    assert response.status_code == 200
    html = text(response)
    assert "工单" in html and ticket.number in html
    for shown in ("区公安局", "已出警，孩子已由奶奶接回。", "请街道下周回访。", "签收期限", "反馈期限", "小明", "打印"):
        assert shown in html, shown
    assert "时间线" not in html and 'class="timeline"' not in html  # no access-log rows
    assert "print.js" in html and "@media print" in open("hotline/web/static/app.css", encoding="utf-8").read()
    assert db.session.scalars(sa.select(AccessLog).filter_by(via="print")).first() is not None
    # A department not on the ticket cannot print it.
    other = signed_in("liaison", bureau="education")
    assert other.get(f"/tickets/{ticket.id}/print").status_code == 404
    assert not re.search(r">\s*(Print|Notes|Feedback|Work order)\s*<", html)  # Chinese page, no English


def test_a_liaison_cannot_finish_while_its_extension_waits_on_the_page(signed_in):
    from hotline.tracking.services import accept_assignment, request_extension

    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    li = ensure_user("li", "liaison", bureau="public_security")
    accept_assignment(assignment.id, actor=li, now=ticket.created_at, settings=current_settings())
    request_extension(assignment.id, 2, "需要调取监控", actor=li, now=ticket.created_at, settings=current_settings())
    liaison = signed_in("liaison", bureau="public_security")
    response = liaison.post(
        f"/assignments/{assignment.id}/feedback",
        {f"fb{assignment.id}-summary": "已办结", f"fb{assignment.id}-final": "y"},
    )
    assert response.status_code == 409 and "尚待审批" in text(response)
    assert db.session.get(Assignment, assignment.id).status == "accepted"


def test_re_dispatch_from_the_page_keeps_the_finished_lead(signed_in):
    """Issue 14: the form forgot a lead that had finished, so re-dispatching made a second lead."""
    from hotline.tracking.services import accept_assignment, add_feedback

    ticket = civil_ticket()
    lead = next(a for a in ticket.assignments if a.role == "lead")
    street = next(a for a in ticket.assignments if a.role == "assist")
    li = ensure_user("li", "liaison", bureau="civil_affairs")
    accept_assignment(lead.id, actor=li, now=ticket.created_at, settings=current_settings())
    add_feedback(lead.id, "已发放临时救助。", True, actor=li, now=ticket.created_at, settings=current_settings())
    operator = signed_in("operator")
    html = text(operator.get(f"/tickets/{ticket.id}"))
    form = html.split('id="dispatch-form"')[1].split("</form>")[0]
    assert re.search(r'<option selected value="civil_affairs">|<option value="civil_affairs" selected>', form)

    response = operator.post(
        f"/tickets/{ticket.id}/dispatch", {"dispatch-lead": "civil_affairs", "dispatch-assists": "education"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Assignment).filter_by(ticket_id=ticket.id).order_by(Assignment.id)).all()
    assert [(a.department.code, a.role, a.status) for a in rows] == [
        ("civil_affairs", "lead", "completed"),
        ("street:jiangyuan", "assist", "withdrawn"),
        ("education", "assist", "pending"),
    ]
    assert refresh(street).returned_at is None
    assert "已退单" not in text(operator.get(f"/tickets/{ticket.id}"))


def test_a_liaison_searches_its_departments_tickets_from_the_inbox(signed_in):
    """Liaisons have no center ticket list: their inbox and history carry the search box, and
    a personal field finds a ticket only once the department has signed for it."""
    from hotline.tracking.services import accept_assignment

    ticket = civil_ticket()
    lead = next(a for a in ticket.assignments if a.role == "lead")
    link = f'href="/tickets/{ticket.id}"'
    liaison = signed_in("liaison", bureau="civil_affairs", username="li-civil")
    for page in ("/liaison/", "/liaison/history"):
        html = text(liaison.get(page))
        assert 'id="liaison-search"' in html and 'action="/liaison/search"' in html, page
    assert link in text(liaison.get("/liaison/search", query_string={"q": ticket.number}))
    html = text(liaison.get("/liaison/search", query_string={"q": "小明"}))
    assert link not in html and 'value="小明"' in html  # not signed for yet
    accept_assignment(
        lead.id, actor=ensure_user("li-civil", "liaison"), now=ticket.created_at, settings=current_settings()
    )
    for q in ("小明", "火车站广场", "138 0000 0009"):
        assert link in text(liaison.get("/liaison/search", query_string={"q": q})), q
    # Another department finds nothing of it; a too-long search says why, in Chinese.
    other = signed_in("liaison", bureau="education")
    assert link not in text(other.get("/liaison/search", query_string={"q": ticket.number}))
    response = other.get("/liaison/search", query_string={"q": "x" * 101})
    assert response.status_code == 200 and "100" in text(response)
    assert signed_in("operator").get("/liaison/search").status_code == 403


def test_feedback_on_behalf_of_a_department_that_never_signed_for_it(signed_in):
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    supervisor = signed_in("supervisor")
    html = text(supervisor.get(f"/tickets/{ticket.id}"))
    assert f'id="on-behalf-{assignment.id}"' in html and "将同时代其签收" in html
    response = supervisor.post(
        f"/assignments/{assignment.id}/feedback/on-behalf",
        {f"ob{assignment.id}-summary": "派出所书面回复：已处置。", f"ob{assignment.id}-final": "y"},
    )
    assert response.status_code == 302
    row = refresh(assignment)
    assert row.status == "completed" and row.accepted_at is not None
    html = text(supervisor.get(f"/tickets/{ticket.id}"))
    assert "代签收" in html and "代反馈" in html and "recorded by a supervisor" not in html
