"""Secrets, sessions, passwords: the secret key cannot be guessed, sign-out and disabling end
sessions on the server at once, weak passwords are refused (CONTRACT "Secrets, sessions, passwords")."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys

import pytest
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from hotline import create_app
from hotline.extensions import db
from hotline.models import User
from hotline.secret_key import InsecureSecretKey
from tests.conftest import ROOT
from tests.web.conftest import Pages, text

OLD_DEFAULT = "dev-only-change-me"


# --- the secret key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("short-key", "at least 32"),
        (OLD_DEFAULT, "at least 32"),
        # Long enough, but written in the source tree (this very file): anyone could forge with it.
        ("a-long-example-key-written-in-the-source-tree-0123456789", "source tree"),
    ],
)
def test_a_guessable_key_refuses_to_start(base_config, key, why):
    with pytest.raises(InsecureSecretKey, match=why):
        create_app({**base_config, "SECRET_KEY": key})


def test_every_process_refuses_a_bad_key_with_a_message(flask_cli):
    result = flask_cli("users", "disable", "nobody", extra_env={"SECRET_KEY": OLD_DEFAULT})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "32" in result.stderr


def test_without_a_key_one_is_created_once_in_instance(base_config, tmp_path, monkeypatch):
    from hotline.secret_key import resolve

    root = tmp_path / "tree"
    root.mkdir()
    key, path = resolve(None, tmp_path / "instance", root)
    assert path == tmp_path / "instance" / "secret_key"
    assert len(key) >= 32 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert resolve(None, tmp_path / "instance", root) == (key, path)  # every process reads the same key
    path.write_text("too-short\n")
    with pytest.raises(InsecureSecretKey, match="at least 32"):
        resolve(None, tmp_path / "instance", root)


def test_a_key_kept_in_dot_env_is_the_operators_own_not_the_source_trees(tmp_path):
    from hotline.secret_key import check

    key = secrets.token_urlsafe(48)
    own = tmp_path / "own"
    own.mkdir()
    (own / ".env").write_text(f"SECRET_KEY={key}\n")  # where hotline.config reads settings from
    check(key, own)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / ".env.example").write_text(f"SECRET_KEY={key}\n")  # an example shipped with the code
    with pytest.raises(InsecureSecretKey, match="source tree"):
        check(key, shared)


def test_every_process_starts_with_the_key_from_dot_env(app, service_env):
    env_file = ROOT / ".env"
    if env_file.exists():
        pytest.skip("this checkout has its own .env")
    env = {k: v for k, v in service_env.items() if k != "SECRET_KEY"}
    env_file.write_text(f"SECRET_KEY={secrets.token_urlsafe(48)}\n")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "hotline", "check"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        env_file.unlink()
    assert result.returncode == 0, result.stderr
    assert "secret_key_from_instance" not in result.stdout  # the key came from .env


def test_the_key_file_is_reported_for_the_setup_check(base_config):
    app = create_app({**base_config, "SECRET_KEY": None})
    assert app.config["HOTLINE_SECRET_KEY_FILE"].endswith("instance/secret_key")
    assert app.config["SECRET_KEY"] == open(app.config["HOTLINE_SECRET_KEY_FILE"]).read().strip()
    assert create_app(base_config).config["HOTLINE_SECRET_KEY_FILE"] is None


def test_a_cookie_forged_with_the_old_default_key_is_refused(app, make_user):
    admin = make_user("boss", "admin")
    forger = SecureCookieSessionInterface()

    class OldApp:  # what an attacker could sign with the key once written in config.py
        secret_key = OLD_DEFAULT
        config = {"SECRET_KEY_FALLBACKS": None}

    serializer = forger.get_signing_serializer(OldApp())
    for user_id in (str(admin.id), admin.get_id()):
        cookie = serializer.dumps({"_user_id": user_id, "_fresh": True})
        browser = app.test_client()
        browser.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
        with app.app_context():
            response = browser.get("/admin/users/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    # The control: signed with the app's own key the same cookie opens the page (only the key differs).
    genuine = forger.get_signing_serializer(app).dumps({"_user_id": admin.get_id(), "_fresh": True})
    browser = app.test_client()
    browser.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), genuine)
    with app.app_context():
        assert browser.get("/admin/users/").status_code == 200


# --- sessions and tokens --------------------------------------------------------------------


def test_sign_out_ends_the_session_on_the_server(app, make_user):
    make_user("olga", "operator")
    browser = Pages(app, app.test_client())
    assert browser.sign_in("olga").status_code == 302
    copied = browser.client.get_cookie("session").value
    assert browser.get("/operator/").status_code == 200
    assert browser.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", copied)
    with app.app_context():
        response = thief.get("/operator/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Signing in again works.
    assert browser.sign_in("olga").status_code == 302
    assert browser.get("/operator/").status_code == 200


def test_deleting_the_current_token_revokes_it(login, client):
    operator = login("operator")
    other = login("operator")
    assert operator.get("/api/v1/me").status_code == 200
    r = client.delete("/api/v1/auth/tokens/current", headers={"Authorization": f"Bearer {operator.token}"})
    assert r.status_code == 204
    assert operator.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 200
    assert client.delete("/api/v1/auth/tokens/current").status_code == 401


def test_users_disable_stops_tokens_and_sessions_at_once(app, login, flask_cli, client):
    operator = login("operator", username="olga")
    browser = Pages(app, app.test_client())
    assert browser.sign_in("olga").status_code == 302
    assert browser.get("/operator/").status_code == 200

    result = flask_cli("users", "disable", "olga")
    assert result.returncode == 0, result.stderr
    assert operator.get("/api/v1/me").status_code == 401
    response = browser.get("/operator/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = client.post("/api/v1/auth/tokens", json={"username": "olga", "password": "secret-pw-long"})
    assert refused.status_code == 401

    assert flask_cli("users", "enable", "olga").returncode == 0
    again = client.post("/api/v1/auth/tokens", json={"username": "olga", "password": "secret-pw-long"})
    assert again.status_code == 201
    assert operator.get("/api/v1/me").status_code == 401  # the old token stays revoked
    assert flask_cli("users", "disable", "ghost").returncode != 0


# --- passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("x", "at least 10"),
        ("123456789", "at least 10"),
        ("1234567890", "too common"),
        ("Password123", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("wang-is-my-name", "username"),
    ],
)
def test_users_create_refuses_weak_passwords(app, flask_cli, password, message):
    result = flask_cli("users", "create", "wang", "--role", "operator", input=password + "\n")
    assert result.returncode != 0
    assert message in result.stderr
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).filter_by(username="wang")) is None


def test_admin_page_refuses_a_weak_password(signed_in):
    admin = signed_in("admin")
    r = admin.post("/admin/users/", {"username": "li", "role": "operator", "password": "short"})
    assert r.status_code == 422 and "10" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).filter_by(username="lina")) is None
    r = admin.post("/admin/users/", {"username": "li", "role": "operator", "password": "long enough pass phrase"})
    assert r.status_code == 302


def test_every_way_of_setting_a_password_keeps_the_same_policy(signed_in, client):
    from hotline.auth.passwords import verify_password

    admin = signed_in("admin")
    olga = signed_in("operator", username="olga")
    olga_id = db.session.scalar(sa.select(User.id).filter_by(username="olga"))

    def stored() -> str:
        db.session.expire_all()
        return db.session.get(User, olga_id).password_hash

    before = stored()
    for weak, words in (
        ("1234567890", "常见密码"),
        ("olga-and-lina-2026", "不能包含用户名"),
        ("short", "至少10个字符"),
    ):
        page = admin.post("/admin/users/", {"username": "lina", "role": "operator", "password": weak})
        assert page.status_code == 422 and words in text(page), weak
        reset = admin.post(f"/admin/users/{olga_id}/password", {"password": weak})
        assert reset.status_code == 422 and words in text(reset), weak
        own = olga.post("/account/password", {"current": "secret-pw-long", "password": weak, "again": weak})
        assert own.status_code == 422 and words in text(own), weak
        assert stored() == before
        assert client.post("/api/v1/auth/tokens", json={"username": "olga", "password": weak}).status_code == 401
    assert db.session.scalar(sa.select(User).filter_by(username="lina")) is None
    assert admin.post(f"/admin/users/{olga_id}/password", {"password": "a fine long pass phrase"}).status_code == 302
    assert verify_password(stored(), "a fine long pass phrase")


# --- headers ------------------------------------------------------------------------------------


def test_https_means_secure_cookie_and_hsts(app, make_user):
    assert app.config["HOTLINE_PUBLIC_URL"].startswith("https://")
    make_user("olga", "operator")
    browser = Pages(app, app.test_client())
    response = browser.sign_in("olga")
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" in app.test_client().get("/healthz").headers


def test_plain_http_has_neither(base_config):
    app = create_app({**base_config, "HOTLINE_PUBLIC_URL": "http://127.0.0.1:5000"})
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers


def test_api_answers_with_personal_data_are_not_cached(login):
    operator = login("operator")
    from tests.api.test_tracking_flow import REPORT

    created = operator.post("/api/v1/tickets", json=REPORT)
    assert created.headers["Cache-Control"] == "no-store"
    for url in (f"/api/v1/tickets/{created.json['id']}", "/api/v1/tickets", "/api/v1/calls"):
        assert operator.get(url).headers["Cache-Control"] == "no-store", url
