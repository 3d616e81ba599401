"""Bulk data for the chaser benchmarks: open assignments loaded with COPY on PostgreSQL.

Shared by bench_chaser.py and bench_overdue.py. Every assignment has its own ticket. The
"due" rows are pending assignments whose sign-for deadline passed six hours ago (their
ladder's next look, the 75% reminder, is in the past: the chaser takes level 1 and skips the
reminder); every other row is pending or accepted with its deadline and its next look days
ahead, so neither the chaser nor the overdue queue should touch it.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/hotline_bench_d"
DEFAULT_REDIS = "redis://127.0.0.1:6379/4"
DUE_MARK = "BD"  # ticket numbers of due rows start with it: B(ench) D(ue)


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def make_app(database: str, redis: str):
    from hotline import create_app
    from hotline.config import _database_url

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _database_url(database, ROOT / "instance"),
            "REDIS_URL": redis,
            "TWILIO_ACCOUNT_SID": "",
            "TWILIO_AUTH_TOKEN": "",
            "TWILIO_FROM_NUMBER": "",
        }
    )


def prepare(app, database: str) -> None:
    """Empty the benchmark database, migrate it, seed it, give every department contacts."""
    import psycopg
    from flask_migrate import upgrade

    with psycopg.connect(psycopg_url(database), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    with app.app_context():
        from hotline.cli import seed_all
        from hotline.extensions import db
        from hotline.models import Department

        upgrade(directory=str(ROOT / "migrations"))
        seed_all()
        for n, department in enumerate(db.session.query(Department).order_by(Department.id)):
            department.liaison_phones = [f"+86137{n:04d}0001"]
            department.head_phones = [f"+86137{n:04d}0002"]
        db.session.commit()
        db.engine.dispose()


def counts(database: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(psycopg_url(database)) as conn:
        total = conn.execute("SELECT count(*) FROM assignments").fetchone()[0]
        due = conn.execute("SELECT count(*) FROM tickets WHERE number LIKE %s", (DUE_MARK + "%",)).fetchone()[0]
    return total, due


def load(database: str, rows: int, due: int, now: datetime, seed: int = 7) -> float:
    """Add ``rows`` assignments (``due`` of them due at ``now``) with COPY; seconds taken."""
    import psycopg

    started = time.perf_counter()
    rng = random.Random(seed + rows)
    naive = now.astimezone(UTC).replace(tzinfo=None)
    with psycopg.connect(psycopg_url(database)) as conn:
        departments = [
            r[0] for r in conn.execute("SELECT id FROM departments WHERE kind IN ('bureau', 'street') ORDER BY id")
        ]
        start_ticket = conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
        with conn.cursor() as cur:
            with cur.copy(
                "COPY tickets (id, number, tracking_code, secret_hash, channel, status, urgency, primary_protection_type, "
                "protection_types, subject_categories, description, street_code, reporter_anonymous, repeat_flag, "
                "created_at, updated_at, version) FROM STDIN"
            ) as copy:
                types = json.dumps(["relief"])
                for i in range(rows):
                    ident = start_ticket + i
                    number = (DUE_MARK if i < due else "BN") + f"{ident:09d}"
                    created = naive - timedelta(days=2)
                    copy.write_row(
                        (
                            ident,
                            number,
                            f"{ident:010d}",
                            "x" * 64,
                            "phone",
                            "dispatched",
                            "normal",
                            "relief",
                            types,
                            "[]",
                            "bench",
                            "jiangyuan",
                            False,
                            False,
                            created,
                            created,
                            1,
                        )
                    )
            with cur.copy(
                "COPY assignments (ticket_id, department_id, role, status, sign_due_at, feedback_due_at, dispatched_at, "
                "return_count, extended_days, next_escalation_at, escalation_level, created_at, version) FROM STDIN"
            ) as copy:
                for i in range(rows):
                    ident = start_ticket + i
                    department = departments[i % len(departments)]
                    if i < due:
                        dispatched = naive - timedelta(hours=30)
                        sign_due = naive - timedelta(hours=6)  # a working day after dispatch (as if)
                        feedback_due = naive + timedelta(days=4)
                        next_look = dispatched + (sign_due - dispatched) * 0.75
                        row = (
                            ident,
                            department,
                            "lead",
                            "pending",
                            sign_due,
                            feedback_due,
                            dispatched,
                            0,
                            0,
                            next_look,
                            0,
                        )
                    else:
                        ahead = timedelta(hours=rng.uniform(2, 24 * 30))
                        dispatched = naive - timedelta(hours=rng.uniform(0, 12))
                        status = "pending" if rng.random() < 0.6 else "accepted"
                        due_at = naive + ahead
                        sign_due = due_at if status == "pending" else dispatched + timedelta(hours=1)
                        feedback_due = due_at + timedelta(days=4) if status == "pending" else due_at
                        next_look = dispatched + (due_at - dispatched) * 0.75
                        if next_look <= naive:
                            next_look = naive + timedelta(hours=1)
                        row = (
                            ident,
                            department,
                            "lead",
                            status,
                            sign_due,
                            feedback_due,
                            dispatched,
                            0,
                            0,
                            next_look,
                            0,
                        )
                    copy.write_row((*row, dispatched, 1))
        conn.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))")
        conn.commit()
    return time.perf_counter() - started


def vacuum_analyze(database: str) -> None:
    import psycopg

    with psycopg.connect(psycopg_url(database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def reset_due(database: str) -> None:
    """Undo a chaser pass: the due rows are due again, and what the pass wrote is gone."""
    import psycopg

    with psycopg.connect(psycopg_url(database)) as conn:
        conn.execute("DELETE FROM escalation_steps")
        conn.execute("DELETE FROM messages")
        conn.execute("DELETE FROM ticket_events")
        conn.execute(
            "UPDATE assignments a SET next_escalation_at = a.dispatched_at + (a.sign_due_at - a.dispatched_at) * 0.75, "
            "escalation_level = 0 FROM tickets t WHERE t.id = a.ticket_id AND t.number LIKE %s",
            (DUE_MARK + "%",),
        )
        conn.commit()
