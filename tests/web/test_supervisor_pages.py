"""The supervisor's board, closing tickets, the figures with their charts, and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import load_workbook

from hotline.extensions import db
from hotline.models import AccessLog, Assignment, Extension, Ticket
from hotline.settings import current_settings
from hotline.tracking.services import accept_assignment, request_extension
from tests.web.conftest import text
from tests.web.helpers import days_ago, ensure_user, judicial_ticket, to_awaiting_verification


def _section(html: str, name: str) -> str:
    return html.split(f'id="{name}"')[1].split("</section>")[0]


def test_board_overdue_queue_most_overdue_first_and_refreshing(signed_in):
    supervisor = signed_in("supervisor")
    older = judicial_ticket(now=days_ago(2), urgency="urgent")  # clock-time deadlines: late whatever the calendar
    newer = judicial_ticket(now=days_ago(1), urgency="urgent")
    judicial_ticket()  # not late
    html = text(supervisor.get("/supervisor/"))
    queue = _section(html, "overdue")
    assert queue.index(older.number) < queue.index(newer.number)
    assert "lvl-0" in queue and "已超时" in queue and "签收" in queue
    assert 'data-refresh="/supervisor/overdue"' in html and "/assets/refresh.js" in html
    assert '<meta http-equiv="refresh"' in html  # inside <noscript>
    fragment = text(supervisor.get("/supervisor/overdue"))
    assert fragment.startswith('<div id="overdue-queue"') or '<div id="overdue-queue"' in fragment[:200]
    assert older.number in fragment and "<html" not in fragment


def test_escalation_levels_are_colour_coded(signed_in):
    from hotline.models import EscalationStep

    supervisor = signed_in("supervisor")
    ticket = judicial_ticket(now=days_ago(1), urgency="urgent")
    assignment = ticket.assignments[0]
    db.session.add(
        EscalationStep(
            assignment_id=assignment.id,
            deadline_kind="sign",
            due_at=assignment.sign_due_at,
            level=2,
            fired_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    queue = _section(text(supervisor.get("/supervisor/")), "overdue")
    assert 'class="lvl-2"' in queue and "二级" in queue


def test_extension_decisions_from_the_board(signed_in):
    supervisor = signed_in("supervisor")
    liaison = ensure_user("li", "liaison", bureau="public_security")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    accept_assignment(assignment.id, actor=liaison, now=datetime.now(UTC), settings=current_settings())
    before = db.session.get(Assignment, assignment.id).feedback_due_at
    first = request_extension(
        assignment.id, 2, "需要等待检验结果", actor=liaison, now=datetime.now(UTC), settings=current_settings()
    )
    board = text(supervisor.get("/supervisor/"))
    assert "需要等待检验结果" in _section(board, "extensions")
    response = supervisor.post(f"/extensions/{first.id}/approve?next=/supervisor/")
    assert response.status_code == 302 and response.headers["Location"] == "/supervisor/"
    db.session.expire_all()
    assert db.session.get(Extension, first.id).status == "approved"
    assert db.session.get(Assignment, assignment.id).feedback_due_at > before
    second = request_extension(
        assignment.id, 1, "还要再等", actor=liaison, now=datetime.now(UTC), settings=current_settings()
    )
    supervisor.post(f"/extensions/{second.id}/reject?next=/supervisor/", {f"xr{second.id}-reason": "请按期反馈"})
    db.session.expire_all()
    assert db.session.get(Extension, second.id).status == "rejected"
    operator = signed_in("operator")
    third = request_extension(
        assignment.id, 1, "第三次", actor=liaison, now=datetime.now(UTC), settings=current_settings()
    )
    assert operator.post(f"/extensions/{third.id}/approve").status_code == 403


def test_close_after_verification_and_the_figures_change(signed_in):
    supervisor = signed_in("supervisor")
    ticket = to_awaiting_verification(judicial_ticket())
    board = text(supervisor.get("/supervisor/"))
    assert ticket.number in _section(board, "verify")

    figures = text(supervisor.get("/supervisor/figures"))
    assert re.search(r'data-status="closed">0<', figures) and re.search(
        r'data-status="awaiting_verification">1<', figures
    )
    page = text(supervisor.get(f"/tickets/{ticket.id}"))
    assert 'id="close-form"' in page and "已联系家长并报警处理" in page
    missing = supervisor.post(f"/tickets/{ticket.id}/close", {"close-note": ""})
    assert missing.status_code == 422 and 'id="close-note-errors"' in text(missing)
    assert supervisor.post(f"/tickets/{ticket.id}/close", {"close-note": "核实无误，办结"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "closed"
    figures = text(supervisor.get("/supervisor/figures"))
    assert re.search(r'data-status="closed">1<', figures) and re.search(
        r'data-status="awaiting_verification">0<', figures
    )
    assert supervisor.post(f"/tickets/{ticket.id}/reopen", {"reopen-reason": "回访发现问题未解决"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "in_progress"


def test_figures_page_draws_svg_charts_for_the_period(signed_in):
    supervisor = signed_in("supervisor")
    to_awaiting_verification(judicial_ticket())
    html = text(supervisor.get("/supervisor/figures"))
    rates = html.split('id="rates-chart"')[1].split("</figure>")[0]
    weekly = html.split('id="weekly-chart"')[1].split("</figure>")[0]
    assert "<svg" in rates and "区公安局" in rates and "100%" in rates
    assert "<svg" in weekly and "司法保护: 1" in weekly
    row = html.split('data-bureau="public_security"')[1].split("</tr>")[0]
    assert "100%" in row and "(1/1)" in row
    assert "<script" not in html.split("<main")[1].split("</main>")[0]  # the charts need no script
    bad = supervisor.get("/supervisor/figures?from=2026-13-01")
    assert bad.status_code == 200 and "请输入日期" in text(bad)
    other = text(supervisor.get("/supervisor/figures?from=2020-01-01&to=2020-01-31"))
    assert 'id="total-reports">0<' in other


def test_figures_are_for_supervisors_and_admins_only(signed_in):
    assert signed_in("admin").get("/supervisor/figures").status_code == 200
    assert signed_in("operator").get("/supervisor/figures").status_code == 403
    assert signed_in("liaison", bureau="education").get("/supervisor/").status_code == 403


def test_ticket_exports_neutralise_formulas_and_are_audited(signed_in):
    supervisor = signed_in("supervisor", username="sup")
    ticket = judicial_ticket(
        child={"name": '=HYPERLINK("http://evil")', "age": 7},
        location={"street": "jiangyuan", "address": "+1 fake"},
        description="@SUM(A1:A2) 孩子需要帮助的描述",
    )
    response = supervisor.get("/exports/tickets.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "工单编号"
    row = next(r for r in rows if r[0] == ticket.number)
    assert '\'=HYPERLINK("http://evil")' in row and "'+1 fake" in row and "'@SUM(A1:A2) 孩子需要帮助的描述" in row
    assert db.session.scalar(sa.select(sa.func.count(AccessLog.id)).filter_by(ticket_id=ticket.id, via="export")) == 1

    xlsx = supervisor.get("/exports/tickets.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [c.value for c in sheet[2]]
    assert '\'=HYPERLINK("http://evil")' in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert db.session.scalar(sa.select(sa.func.count(AccessLog.id)).filter_by(ticket_id=ticket.id, via="export")) == 2


def test_monthly_figures_export(signed_in):
    supervisor = signed_in("supervisor")
    ticket = judicial_ticket()
    month = ticket.created_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    csv_body = supervisor.get(f"/exports/figures.csv?month={month}").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_body)))
    public_security = next(r for r in rows if r[1] == "public_security")
    assert public_security[2] == "1"
    assert rows[-1][0] == "合计"
    xlsx = supervisor.get(f"/exports/figures.xlsx?month={month}")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet.title == f"{month} 统计"
    assert any(row[1] == "public_security" and row[2] == 1 for row in sheet.iter_rows(values_only=True))
    assert supervisor.get("/exports/figures.csv?month=2026-13").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(AccessLog.id)).filter_by(via="export")) == 0  # no personal data


def test_exports_are_for_supervisors_and_admins_only(signed_in):
    assert signed_in("admin").get("/exports/figures.xlsx").status_code == 200
    for role in ("operator", "liaison"):
        browser = signed_in(role, bureau="education" if role == "liaison" else None)
        assert browser.get("/exports/tickets.csv").status_code == 403
        assert browser.get("/exports/figures.csv").status_code == 403
