"""Pages get the same bounds as the API: ids, months and dates that cannot exist are refused, never a 500."""

import pytest

from hotline.settings import current_settings
from tests.web.conftest import text


@pytest.mark.parametrize("path", [f"/tickets/{2**31}", "/tickets/" + "9" * 40, f"/assignments/{2**31}/accept"])
def test_ids_beyond_the_database_range_are_404(signed_in, path):
    supervisor = signed_in("supervisor")
    response = supervisor.get(path) if "accept" not in path else supervisor.post(path)
    assert response.status_code == 404


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12"])
def test_export_month_outside_range_is_400(signed_in, month):
    supervisor = signed_in("supervisor")
    assert supervisor.get(f"/exports/figures.csv?month={month}").status_code == 400


def test_figures_page_with_far_dates_shows_the_problem(signed_in):
    supervisor = signed_in("supervisor")
    response = supervisor.get("/supervisor/figures?from=0001-01-01&to=9999-12-31")
    assert response.status_code == 200
    assert "1900" in text(response)


def test_too_long_page_url_is_an_html_414(pages):
    response = pages.get("/status?code=" + "1" * 5000)
    assert response.status_code == 414 and response.mimetype == "text/html"


def test_admin_page_lists_setup_warnings(signed_in):
    admin = signed_in("admin")
    html = text(admin.get("/admin/?lang=zh"))
    assert "安装检查提示" in html
    assert 'data-code="escalation_rung_reaches_nobody"' in html
    assert 'data-code="department_without_liaison_phone"' in html


def test_timeline_and_board_say_who_was_reached(signed_in, app):
    from hotline.escalation.chaser import chase_overdue
    from tests.factories_chaser import local, make_ticket

    ticket = make_ticket(local("2026-03-09 14:00"))
    chase_overdue(local("2026-03-13 14:00"), tz=current_settings().timezone)  # level 3 with no phone anywhere
    supervisor = signed_in("supervisor")
    detail = text(supervisor.get(f"/tickets/{ticket.id}?lang=zh"))
    assert "未通知到任何人" in detail
    board = text(supervisor.get("/supervisor/overdue?lang=zh"))
    assert "未通知到任何人" in board
