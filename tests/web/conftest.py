"""Fixtures for the page tests: a form-posting client that carries the CSRF token."""

from __future__ import annotations

import re

import pytest

META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Pages:
    """The Flask test client as a browser would use it: a session cookie and forms with their token.

    Each request runs in a fresh app context, as in production: the ``app`` fixture keeps one
    open for the whole test, and Flask would otherwise reuse its ``g`` (where Flask-Login and
    Flask-WTF keep the request's user and token) from one request to the next.
    """

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self._token: str | None = None

    def _request(self, method: str, url: str, **kw):
        with self.app.app_context():
            return getattr(self.client, method)(url, **kw)

    def token(self) -> str:
        if self._token is None:
            html = self._request("get", "/login", follow_redirects=True).get_data(as_text=True)
            self._token = META.search(html).group(1)
        return self._token

    def get(self, url, **kw):
        return self._request("get", url, **kw)

    def post(self, url, data=None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        response = self._request("post", url, data=data, **kw)
        if url.startswith(("/login", "/logout")):
            self._token = None  # a new session on sign-in and sign-out
        return response

    def post_json(self, url, json, csrf: bool = True):
        headers = {"X-CSRFToken": self.token()} if csrf else {}
        return self._request("post", url, json=json, headers=headers)

    def sign_in(self, username: str, password: str = "secret-pw-long"):
        return self.post("/login", {"username": username, "password": password})


@pytest.fixture
def pages(app, client) -> Pages:
    return Pages(app, client)


@pytest.fixture
def signed_in(app, make_user):
    """signed_in(role, bureau=None, phone=None, username=None) -> Pages with its own session."""
    counter = {"n": 0}

    def sign_in(role: str, bureau: str | None = None, phone: str | None = None, username: str | None = None) -> Pages:
        counter["n"] += 1
        name = username or f"web-{role}{counter['n']}"
        make_user(name, role, bureau=bureau, phone=phone)
        browser = Pages(app, app.test_client())
        response = browser.sign_in(name)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return sign_in


def text(response) -> str:
    return response.get_data(as_text=True)
