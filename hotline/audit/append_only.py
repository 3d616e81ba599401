"""Database triggers that make the history tables append-only, on SQLite and PostgreSQL.

The ORM already refuses to change or delete these rows; the triggers make the database refuse
plain SQL too (``UPDATE``/``DELETE`` from psql or sqlite3), so the audit trail cannot be
rewritten by anyone short of the schema owner dropping a trigger.

Migrations call ``install(bind)``. On SQLite, a batch migration that recreates one of these
tables (``op.batch_alter_table`` with a column change) drops its triggers with the old table:
call ``install(op.get_bind())`` again at the end of such a migration. PostgreSQL keeps triggers
across ``ALTER TABLE``. ``TRUNCATE`` is not refused (it is not a row change; the test suite
uses it to start each test from empty tables).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

TABLES = ("ticket_events", "access_log")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION hotline_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hotline_refuse_rewrite()",
        ]
    statements = []
    for op in ("update", "delete"):
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        statements.append(
            f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {op.upper()} refused'); END"
        )
    return statements


def install(bind: Any) -> None:
    """Create (or re-create) the triggers on every append-only table."""
    dialect = bind.dialect.name
    if dialect == "postgresql":
        bind.execute(sa.text(_PG_FUNCTION))
    for table in TABLES:
        for statement in _statements(dialect, table):
            bind.execute(sa.text(statement))


def uninstall(bind: Any) -> None:
    """Drop the triggers (the migration's downgrade; the SQLite test reset around its DELETE)."""
    dialect = bind.dialect.name
    for table in TABLES:
        if dialect == "postgresql":
            bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
        else:
            for op in ("update", "delete"):
                bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))
    if dialect == "postgresql":
        bind.execute(sa.text("DROP FUNCTION IF EXISTS hotline_refuse_rewrite()"))
