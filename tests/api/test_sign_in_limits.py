"""Failed sign-ins are limited per (address, user name) under a higher per-address ceiling:
one colleague's typos behind an office NAT lock nobody else out."""

from __future__ import annotations

OFFICE = {"REMOTE_ADDR": "10.1.1.1"}
HOME = {"REMOTE_ADDR": "10.2.2.2"}


def _try(client, name: str, password: str = "wrong-password", where=OFFICE) -> int:
    return client.post(
        "/api/v1/auth/tokens", json={"username": name, "password": password}, environ_base=where
    ).status_code


def test_one_users_failures_do_not_lock_out_colleagues(app, client, make_user):
    make_user("op", "operator")
    make_user("colleague", "operator")
    assert [_try(client, "op") for _ in range(11)] == [401] * 10 + [429]
    assert _try(client, "OP ") == 429  # the same name, however typed
    assert _try(client, "colleague", "secret-pw-long") == 201
    assert _try(client, "colleague") == 401
    assert _try(client, "op", "secret-pw-long", where=HOME) == 201  # the same user elsewhere


def test_an_address_trying_many_names_hits_the_ceiling(app, client, make_user):
    app.config["HOTLINE_LOGIN_ADDRESS_RATE_LIMIT"] = "5 per minute"
    make_user("op", "operator")
    assert [_try(client, f"name{i}") for i in range(6)] == [401] * 5 + [429]
    assert _try(client, "op", "secret-pw-long") == 429  # the ceiling covers the whole address
    assert _try(client, "op", "secret-pw-long", where=HOME) == 201


def test_successful_sign_ins_do_not_count(app, client, make_user):
    app.config["HOTLINE_LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user("op", "operator")
    assert [_try(client, "op", "secret-pw-long") for _ in range(5)] == [201] * 5
    assert [_try(client, "op") for _ in range(3)] == [401, 401, 429]


def test_web_and_api_share_the_counter(app, make_user):
    from tests.web.conftest import Pages

    app.config["HOTLINE_LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user("op", "operator")
    client = app.test_client()
    assert _try(client, "op", where={"REMOTE_ADDR": "127.0.0.1"}) == 401
    pages = Pages(app, client)
    assert pages.sign_in("op", "wrong-password").status_code == 401
    assert pages.sign_in("op", "wrong-password").status_code == 429
