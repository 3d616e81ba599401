"""Migrations build the schema on this backend, and the models match it (no drift)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.extensions import db


def test_migrations_reach_head_and_match_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_model_table_exists(app):
    from sqlalchemy import inspect

    existing = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= existing
