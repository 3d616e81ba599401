"""Set-up warnings: `hotline check`, GET /api/v1/setup and the admin page say what would reach nobody."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hotline.notify.contacts import set_department_contacts
from hotline.settings import current_settings
from hotline.setup.checks import setup_warnings

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # the next 90 days run into 2027


def _codes(warnings) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for warning in warnings:
        found.setdefault(warning["code"], []).append(warning)
    return found


def test_a_fresh_install_lists_every_gap(app):
    found = _codes(setup_warnings(NOW, settings=current_settings()))
    silent = {w["department"] for w in found["department_without_liaison_phone"]}
    assert {"public_security", "education", "street:jiangyuan"} <= silent
    assert "protection_center" not in silent and "leading_group_office" not in silent
    unreachable = {w["level"] for w in found["escalation_rung_reaches_nobody"]}
    assert unreachable == {0, 1, 2, 3}
    assert "public_security" in found["escalation_rung_reaches_nobody"][0]["departments"]
    assert [w["year"] for w in found["calendar_year_unknown"]] == [2027]
    assert "secret_key_from_instance" not in found
    assert all(w["message"] for w in setup_warnings(NOW, settings=current_settings()))


def test_phones_clear_the_warnings_they_answer(app, make_user):
    make_user("sup", "supervisor", phone="+8613800000301")
    found = _codes(setup_warnings(NOW, settings=current_settings()))
    assert "escalation_rung_reaches_nobody" not in found  # every rung now falls back to a supervisor
    fallback = {w["level"] for w in found["escalation_rung_falls_back"]}
    assert fallback == {3}  # the leading group office has no phone; level 2 (center) has the supervisor
    set_department_contacts("leading_group_office", head_phones=["+8613800000302"])
    make_user("ps", "liaison", bureau="public_security", phone="+8613800000303")
    found = _codes(setup_warnings(NOW, settings=current_settings()))
    assert "escalation_rung_falls_back" not in found
    assert "public_security" not in {w["department"] for w in found["department_without_liaison_phone"]}


def test_secret_key_from_instance_is_a_warning(app):
    settings = replace(current_settings(), secret_key_file="/srv/hotline/instance/secret_key")
    assert "secret_key_from_instance" in _codes(setup_warnings(NOW, settings=settings))


def test_setup_endpoint_for_supervisors_and_admins_only(login, client):
    for role in ("supervisor", "admin"):
        response = login(role).get("/api/v1/setup")
        assert response.status_code == 200
        assert {"department_without_liaison_phone", "escalation_rung_reaches_nobody"} <= {
            w["code"] for w in response.json["warnings"]
        }
        assert all(set(w) >= {"code", "message"} for w in response.json["warnings"])
    assert login("operator").get("/api/v1/setup").status_code == 403
    assert client.get("/api/v1/setup").status_code == 401


def test_check_command_prints_one_line_per_warning_and_exits_0(app, flask_cli):
    run = flask_cli("hotline", "check")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines and all(": " in line for line in lines)
    assert any(line.startswith("escalation_rung_reaches_nobody: ") for line in lines)
    assert any(line.startswith("department_without_liaison_phone: ") and "public_security" in line for line in lines)
