from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.auth.passwords import hash_token
from hotline.extensions import db
from hotline.models import ApiToken


def test_good_token_reaches_me(client, make_user):
    make_user("li", "liaison", bureau="education", phone="+8613800000001")
    response = client.post("/api/v1/auth/tokens", json={"username": "li", "password": "secret-pw-long"})
    assert response.status_code == 201
    token = response.json["token"]
    assert len(token) >= 40
    expires = datetime.fromisoformat(response.json["expires_at"])
    assert expires.tzinfo is not None and expires > datetime.now(UTC)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["username"] == "li" and me.json["role"] == "liaison" and me.json["bureau"] == "education"


def test_token_is_stored_only_as_sha256(client, make_user):
    make_user("op", "operator")
    token = client.post("/api/v1/auth/tokens", json={"username": "op", "password": "secret-pw-long"}).json["token"]
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert stored == [hash_token(token)]
    assert token not in stored


def test_wrong_password_and_unknown_user_are_the_same_401(client, make_user):
    make_user("op", "operator")
    wrong = client.post("/api/v1/auth/tokens", json={"username": "op", "password": "nope"})
    unknown = client.post("/api/v1/auth/tokens", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"]


def test_missing_fields_are_422_naming_them(client):
    response = client.post("/api/v1/auth/tokens", json={})
    assert response.status_code == 422
    assert {"username", "password"} <= set(response.json["errors"])


def test_expired_token_is_401(client, make_user):
    make_user("op", "operator")
    token = client.post("/api/v1/auth/tokens", json={"username": "op", "password": "secret-pw-long"}).json["token"]
    row = db.session.scalar(sa.select(ApiToken))
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_malformed_headers_are_401(client):
    for header in ("Bearer", "Bearer ", "Basic abc", "token", "Bearer a b", "Bearer " + "x" * 43):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["code"] == 401
    assert client.get("/api/v1/me").status_code == 401


def test_failed_sign_ins_are_rate_limited(app, client, make_user):
    make_user("op", "operator")
    statuses = [
        client.post("/api/v1/auth/tokens", json={"username": "op", "password": "bad"}).status_code for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429


def test_role_check_refuses_other_roles(login):
    operator = login("operator")
    assert operator.get("/api/v1/messages").status_code == 403
    supervisor = login("supervisor")
    assert supervisor.get("/api/v1/messages").status_code == 200
