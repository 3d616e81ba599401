"""The service tier: services called directly, each test inside one transaction rolled back.

The app is created, migrated and seeded once per module; each test runs on one connection
whose outer transaction is rolled back at the end, and the app's session joins it with
SAVEPOINTs (``join_transaction_mode="create_savepoint"``), so a service's own ``commit()``
releases a savepoint instead of committing. No app is recreated and nothing is reseeded per
test; the HTTP tests (tests/api, tests/web) keep what only HTTP can show.
"""

from __future__ import annotations

import pytest

from hotline.extensions import db


@pytest.fixture(scope="module")
def service_app(migrated, base_config):
    from hotline import create_app
    from hotline.cli import seed_all
    from tests.conftest import _reset

    app = create_app(dict(base_config))
    with app.app_context():
        _reset(app)
        seed_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def tx(service_app):
    """One transaction per test, rolled back: what the services commit is gone afterwards."""
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite opens its transaction lazily, at the first write: open it now, or the first
        # SAVEPOINT would become the outermost transaction and its RELEASE a real commit.
        connection.exec_driver_sql("DELETE FROM digest_runs WHERE 0")
    db.session.remove()
    factory = db.session.session_factory
    saved = dict(factory.kw)
    engines[None] = connection
    factory.configure(join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        db.session.remove()
        factory.kw.clear()
        factory.kw.update(saved)
        engines[None] = engine
        outer.rollback()
        connection.close()
        from hotline.reference.services import forget_reference

        forget_reference()  # a reference version counted inside the rolled-back test is gone
