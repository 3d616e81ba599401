"""One permission table (``hotline.tickets.permissions``) guards the API and the pages alike.

The test walks every route of the app (``app.url_map``): each one is either public (listed
below, with the reason) or guarded by a step of the table, and for every role it answers 403
exactly when the table leaves that role out (an allowed role gets past the door: any other
answer, such as 404 for an id that does not exist or 422 for an empty body).
"""

from __future__ import annotations

import re

import pytest

from hotline.auth.access import STEP_ATTRIBUTE
from hotline.tickets.enums import Role
from hotline.tickets.permissions import PERMISSIONS, Step
from tests.factories import staff

# Endpoints (blueprint prefixes or names) that take no step: who may call them is not a role.
PUBLIC = (
    "api_auth.Tokens",  # signing in
    "api_reference.",  # the code lists are public
    "api_reports.",  # the public's reports and look-up (rate limited)
    "api-docs.",  # the OpenAPI document and its viewer
    "swagger_assets.",
    "twilio.",  # webhooks: Twilio's signature, not a role
    "health.",  # liveness and readiness probes
    "static",
    "web.",  # the public report page, look-up, sign-in and -out, landing; the password page takes Step.ME inside
    "rq_dashboard.",  # the queue dashboard: its own admin guard (hotline.operations, tested there)
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LAST = ("/api/v1/auth/tokens/current",)  # signs the caller's token out: walked last
# The liaison is a street office's: a department that may also keep children's files (others get
# the children's service's own 403, a rule of scoping, not of this table).
LIAISON_BUREAU = "street:sunjiapuzi"


def _is_public(endpoint: str) -> bool:
    return any(endpoint == p or (p.endswith(".") and endpoint.startswith(p)) for p in PUBLIC)


def _url(rule) -> str:
    """A concrete URL for the rule: ids that do not exist, a code that does not exist."""
    url = re.sub(r"<int:[^>]+>", "999999", rule.rule)
    url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)
    return re.sub(r"<[^>]+>", "nosuch", url)


def guarded_routes(app) -> list[tuple[str, str, str, Step]]:
    """(kind, method, url, step) of every guarded route; fails on a route with no step."""
    found, unguarded = [], []
    for rule in app.url_map.iter_rules():
        if _is_public(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(set(rule.methods) & set(METHODS)):
            handler = getattr(getattr(view, "view_class", None), method.lower(), None)
            step = getattr(handler, STEP_ATTRIBUTE, None) or getattr(view, STEP_ATTRIBUTE, None)
            if step is None:
                unguarded.append(f"{method} {rule.rule} ({rule.endpoint})")
                continue
            kind = "api" if rule.rule.startswith("/api/") else "page"
            found.append((kind, method, _url(rule), step))
    assert not unguarded, "routes with no step of the permission table:\n" + "\n".join(unguarded)
    return sorted(found, key=lambda route: route[2] in LAST)


def test_every_route_is_public_or_takes_a_step_of_the_table(app):
    routes = guarded_routes(app)
    assert {kind for kind, *_ in routes} == {"api", "page"}
    assert {step for *_, step in routes} == set(PERMISSIONS) == set(Step)  # no step unused, none missing


def test_every_api_route_refuses_exactly_the_roles_the_table_leaves_out(app, client):
    apis = {role: staff(client, role, LIAISON_BUREAU if role == Role.LIAISON else None)[1] for role in Role}
    wrong = []
    for kind, method, url, step in guarded_routes(app):
        if kind != "api":
            continue
        for role, api in apis.items():
            status = api.client.open(url, method=method, json={}, headers=api._headers(None)).status_code
            if (status == 403) != (role not in PERMISSIONS[step]):
                wrong.append(f"{role} {method} {url} ({step}): {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_refuses_exactly_the_roles_the_table_leaves_out(app, signed_in, role):
    browser = signed_in(role, bureau=LIAISON_BUREAU if role == Role.LIAISON else None)
    wrong = []
    for kind, method, url, step in guarded_routes(app):
        if kind != "page":
            continue
        response = browser.get(url) if method == "GET" else browser.post(url, {})
        if (response.status_code == 403) != (role not in PERMISSIONS[step]):
            wrong.append(f"{method} {url} ({step}): {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_the_pages_and_the_api_agree_on_each_steps_roles():
    """The template helper ``may()`` and both guards read the same rows."""
    from hotline.tickets.permissions import may

    for step, roles in PERMISSIONS.items():
        assert {role for role in Role if may(role, step)} == set(roles)
    assert not may(None, Step.ME)
