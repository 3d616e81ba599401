"""Closed children's files fall under retention: identity, address, guardians and findings go;
the figures stay."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hotline.children import services
from hotline.children.models import ChildEvent, ChildFile, Visit
from hotline.children.retention import pseudonymise_closed_files
from hotline.extensions import db
from hotline.reporting.monthly import monthly_report
from hotline.settings import current_settings
from tests.factories_chaser import local

OPENED = local("2022-03-01 10:00")
CLOSED = local("2022-06-01 10:00")
LATER = CLOSED + timedelta(days=1096)


def make_file(make_user, name="孙小美", close=True):
    operator = make_user(f"op-{name}", "operator")
    data = {
        "name": name,
        "gender": "female",
        "street": "jiangyuan",
        "address": "幸福路1号",
        "situations": ["left_behind"],
        "risk": "high",
        "guardians": [{"name": "孙奶奶", "relation": "祖母", "phone": "+8613800001111"}],
    }
    child = services.create_file(data, actor=operator, now=OPENED, settings=current_settings())
    services.record_visit(
        child.id,
        {"visited_at": OPENED + timedelta(days=3), "kind": "home", "findings": "奶奶身体不好", "services": []},
        actor=operator,
        now=OPENED + timedelta(days=3),
        settings=current_settings(),
    )
    if close:
        services.close_file(child.id, "随父母迁往外省", actor=operator, now=CLOSED, settings=current_settings())
    return child.id


def test_closed_files_past_retention_are_pseudonymised_once(app, make_user):
    closed, still_open = make_file(make_user), make_file(make_user, name="钱小乐", close=False)
    figures_before = monthly_report("2022-03", now=LATER, tz="Asia/Shanghai")
    assert pseudonymise_closed_files(now=CLOSED + timedelta(days=1094), days=1095) == 0  # not yet
    assert pseudonymise_closed_files(now=LATER, days=1095, dry_run=True) == 1
    assert db.session.get(ChildFile, closed).name == "孙小美"  # a dry run changes nothing
    assert pseudonymise_closed_files(now=LATER, days=1095) == 1
    db.session.expire_all()
    row = db.session.get(ChildFile, closed)
    assert (row.name, row.gender, row.birth_date, row.address, row.guardians) == (None, None, None, None, [])
    assert row.close_reason is None and row.match_key is None and row.pseudonymised_at is not None
    assert row.situations == ["left_behind"] and row.number and row.street_code == "jiangyuan"
    assert db.session.scalars(sa.select(Visit.findings).where(Visit.child_id == closed)).all() == [""]
    assert db.session.get(ChildFile, still_open).name == "钱小乐"
    for event in db.session.scalars(sa.select(ChildEvent).where(ChildEvent.child_id == closed)):
        assert "孙" not in str(event.data) and "迁往" not in str(event.data)
    assert pseudonymise_closed_files(now=LATER, days=1095) == 0  # once
    figures_after = monthly_report("2022-03", now=LATER, tz="Asia/Shanghai")
    assert figures_after["visits"] == figures_before["visits"]
    assert figures_after["open_files"] == figures_before["open_files"]


def test_the_retention_command_pseudonymises_closed_files_with_the_tickets(app, make_user, flask_cli):
    closed, still_open = make_file(make_user), make_file(make_user, name="钱小乐", close=False)
    at = LATER.isoformat()
    dry = flask_cli("hotline", "retention", "--at", at, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would pseudonymise 0 tickets, 1 children" in dry.stdout
    db.session.expire_all()
    assert db.session.get(ChildFile, closed).name == "孙小美"

    done = flask_cli("hotline", "retention", "--at", at)
    assert done.returncode == 0, done.stderr
    assert "pseudonymised 0 tickets, 1 children" in done.stdout and "0 failed" in done.stdout
    db.session.expire_all()
    row = db.session.get(ChildFile, closed)
    assert row.name is None and row.address is None and row.pseudonymised_at is not None
    assert db.session.get(ChildFile, still_open).name == "钱小乐"
    assert "0 tickets, 0 children" in flask_cli("hotline", "retention", "--at", at).stdout  # once
