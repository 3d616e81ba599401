"""The watched-deadline rule: the Python function and the SQL expression give the same answer
for every assignment status (the SQL is run on an in-memory SQLite table, no models)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hotline.tickets.enums import AssignmentStatus, DeadlineKind
from hotline.tickets.watched import (
    WATCHED,
    Watched,
    states_watching,
    watched,
    watched_deadline,
    watched_due,
    watched_due_sql,
)

SIGN = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
FEEDBACK = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)

CASES = [
    ("pending", None, DeadlineKind.SIGN),
    ("accepted", None, DeadlineKind.FEEDBACK),
    ("return_requested", "pending", DeadlineKind.SIGN),
    ("return_requested", "accepted", DeadlineKind.FEEDBACK),
    ("return_requested", None, DeadlineKind.SIGN),  # no recorded state: the stricter clock
    ("returned", None, None),
    ("completed", None, None),
    ("withdrawn", None, None),  # taken off the ticket by the center: no clock runs
]


class Row:
    def __init__(self, status: str, before: str | None):
        self.status, self.status_before_return = status, before
        self.sign_due_at, self.feedback_due_at = SIGN, FEEDBACK


@pytest.mark.parametrize(("status", "before", "kind"), CASES)
def test_python_rule(status, before, kind):
    assert watched_deadline(status, before) == kind
    expected_due = {DeadlineKind.SIGN: SIGN, DeadlineKind.FEEDBACK: FEEDBACK, None: None}[kind]
    assert watched_due(Row(status, before)) == expected_due
    assert watched(Row(status, before)) == (Watched(kind, expected_due) if kind else None)


def test_every_status_is_covered_and_the_sql_agrees():
    assert {status for status, _, _ in CASES} == set(AssignmentStatus)
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    t = sa.Table(
        "a",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(32)),
        sa.Column("status_before_return", sa.String(32)),
        sa.Column("sign_due_at", sa.String(32)),
        sa.Column("feedback_due_at", sa.String(32)),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        for index, (status, before, _) in enumerate(CASES):
            conn.execute(
                t.insert().values(
                    id=index, status=status, status_before_return=before, sign_due_at="S", feedback_due_at="F"
                )
            )
        due = watched_due_sql(t.c.status, t.c.status_before_return, t.c.sign_due_at, t.c.feedback_due_at)
        got = dict(conn.execute(sa.select(t.c.id, due)).all())
    for index, (_, _, kind) in enumerate(CASES):
        assert got[index] == {DeadlineKind.SIGN: "S", DeadlineKind.FEEDBACK: "F", None: None}[kind]


def test_states_watching_partitions_the_table():
    assert states_watching(DeadlineKind.SIGN) == ["pending"]
    assert states_watching(DeadlineKind.FEEDBACK) == ["accepted"]
    assert sorted(s for kind in DeadlineKind for s in states_watching(kind)) == sorted(WATCHED)
