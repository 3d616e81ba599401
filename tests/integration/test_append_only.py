"""The database itself refuses to rewrite history: plain SQL UPDATE/DELETE on ticket events and
the access log fail (triggers from the migrations), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from hotline.audit import Client, record_access
from hotline.extensions import db
from hotline.models import TicketEvent, User
from hotline.tracking.transitions import record_event
from tests.factories import make_ticket

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def history(make_user):
    reader = make_user("reader", "supervisor")
    ticket = make_ticket()
    record_event(ticket, "created", actor=None, now=NOW)
    record_access(reader, via="api", now=NOW, ticket_id=ticket.id, client=Client("192.0.2.1", "curl/8"))
    db.session.commit()
    return ticket.id, reader


def count(table: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM access_log",
        "UPDATE access_log SET via = 'forged'",
        "UPDATE access_log SET user_id = NULL",
        "DELETE FROM ticket_events",
        "UPDATE ticket_events SET reason = 'rewritten'",
    ],
)
def test_plain_sql_cannot_rewrite_history(history, statement):
    table = statement.split()[2] if statement.startswith("DELETE") else statement.split()[1]
    before = count(table)
    assert before >= 1
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert count(table) == before
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT via FROM access_log")).scalar_one() == "api"
        assert conn.execute(sa.text("SELECT COUNT(*) FROM ticket_events WHERE reason = 'rewritten'")).scalar() == 0


def test_inserting_stays_possible(history):
    ticket_id, reader = history
    before = count("access_log")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO access_log (user_id, ticket_id, via, created_at) VALUES (:u, :t, 'sql', :at)"),
            {"u": reader.id, "t": ticket_id, "at": NOW.replace(tzinfo=None)},
        )
    assert count("access_log") == before + 1
    assert db.session.scalar(sa.select(sa.func.count(TicketEvent.id))) == 1


def test_record_access_needs_a_subject(make_user):
    reader: User = make_user("someone", "operator")
    with pytest.raises(ValueError):
        record_access(reader, via="api", now=NOW)


def test_the_history_guard_and_the_outbox_hooks_listen_to_the_apps_session_only(app):
    """The listeners are attached to ``db.session``'s factory, not to every SQLAlchemy Session of
    the process: another session (a migration, a maintenance script) is not the app's business."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from hotline import _enqueue_committed
    from hotline.extensions import db
    from hotline.tracking import transitions

    assert event.contains(db.session, "before_flush", transitions._refuse_rewriting_history)
    assert event.contains(db.session, "after_commit", _enqueue_committed)
    assert not event.contains(Session, "before_flush", transitions._refuse_rewriting_history)
    assert not event.contains(Session, "after_commit", _enqueue_committed)
    with Session(db.engine) as other:  # a plain Session: no guard, no outbox hooks
        assert not event.contains(other, "before_flush", transitions._refuse_rewriting_history)
