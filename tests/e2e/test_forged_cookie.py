"""The attack issue 11 opened with, tried from outside against real processes: a session cookie
signed with the key once written in ``config.py`` (``git log -p -S SECRET_KEY -- hotline/config.py``)
opens nothing, whether the server runs with no ``SECRET_KEY`` (the documented default: a random key
in ``instance/secret_key``) or is given a guessable one (then no process starts at all)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
import requests
from flask.sessions import SecureCookieSessionInterface

from hotline.extensions import db
from tests.live_server import ROOT, free_port, gunicorn

OLD_DEFAULT = "dev-only-change-me"  # hotline/config.py before issue 11
# Long enough, but written in the source tree (this file): anyone with the code could sign with it.
SOURCE_TREE_KEY = "an-example-key-that-is-long-enough-but-public-9f8e7d6c5b4a"


def forge(key: str, user_id: str) -> str:
    """A session cookie as Flask would sign it with ``key``, claiming ``user_id`` is signed in."""

    class Signer:
        secret_key = key
        config = {"SECRET_KEY_FALLBACKS": None}

    serializer = SecureCookieSessionInterface().get_signing_serializer(Signer())
    return serializer.dumps({"_user_id": user_id, "_fresh": True})


def test_a_cookie_signed_with_the_old_default_key_opens_nothing(app, make_user, service_env, tmp_path):
    admin = make_user("boss", "admin")
    db.session.commit()
    claims = {admin.get_id(), str(admin.id)}
    env = {k: v for k, v in service_env.items() if k != "SECRET_KEY"}  # no key set: the default
    with gunicorn(env, tmp_path / "server.log", workers=1) as base:

        def visit(path: str, cookie: str) -> requests.Response:
            return requests.get(base + path, headers={"Cookie": f"session={cookie}"}, allow_redirects=False, timeout=30)

        for claim in claims:
            forged = forge(OLD_DEFAULT, claim)
            page = visit("/admin/users/", forged)
            assert page.status_code == 302 and "/login" in page.headers["Location"], claim
            assert visit("/supervisor/access-log", forged).status_code == 302
            assert visit("/api/v1/tickets", forged).status_code == 401
            assert visit("/api/v1/access-log", forged).status_code == 401

        # The control: the same cookie signed with the server's real key does open the page, so
        # the forgery above failed for its key alone. That key is random and lives only in instance/.
        key_file = ROOT / "instance" / "secret_key"
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        real_key = key_file.read_text().strip()
        assert len(real_key) >= 32 and real_key != OLD_DEFAULT
        assert visit("/admin/users/", forge(real_key, admin.get_id())).status_code == 200


@pytest.mark.parametrize("key", [OLD_DEFAULT, SOURCE_TREE_KEY])
def test_no_process_starts_with_a_guessable_key(service_env, key):
    env = dict(service_env, SECRET_KEY=key)
    web = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert web.returncode != 0
    assert "refuses to start" in web.stderr and "SECRET_KEY" in web.stderr
    for command in (["hotline", "worker", "--burst"], ["hotline", "cron"], ["hotline", "retention", "--dry-run"]):
        process = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert process.returncode != 0, command
        assert "SECRET_KEY" in process.stderr, (command, process.stderr[-500:])
