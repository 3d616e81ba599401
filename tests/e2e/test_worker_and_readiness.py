"""A job enqueued by the web app runs in a real `rq worker` process."""

import sqlalchemy as sa

from hotline import create_app
from hotline.extensions import db
from hotline.models import Message
from tests.outbox_helpers import send


def test_web_enqueued_job_runs_in_real_worker(login, run_worker):
    admin = login("admin")
    response = admin.post("/api/v1/messages/test", json={"to": "+8613800000111"})
    assert response.status_code == 201
    assert response.json["status"] == "queued"
    result = run_worker()
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    message = db.session.get(Message, response.json["id"])
    assert message.status == "sent"
    assert message.provider == "log"


def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200


def test_readyz_names_redis_when_unreachable(base_config):
    app = create_app(dict(base_config, REDIS_URL="redis://127.0.0.1:1/0"))
    with app.app_context():
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["failed"] == ["redis"]
        db.session.remove()


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_test_message_is_sent_once_even_if_job_runs_twice(app, login):
    from datetime import UTC, datetime

    admin = login("admin")
    ident = admin.post("/api/v1/messages/test", json={"to": "+8613800000111"}).json["id"]
    assert send(ident, datetime.now(UTC)) == "sent"
    assert send(ident, datetime.now(UTC)) == "already sent"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
