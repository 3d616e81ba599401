"""The served OpenAPI document against the service's answers, with schemathesis.

Every operation gets a bounded number of generated requests (valid and invalid ones), signed in
as a supervisor, an operator and a liaison, and unsigned; the run fails on any 5xx, any answer
whose status, content type or body the document does not describe. A fixed seed
(``derandomize``) makes a failure reproducible; no shrinking keeps the run short. On PostgreSQL
when ``TEST_DATABASE_URL`` is set, like the rest of the suite.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.intake.calls import record_call
from hotline.intake.services import receive_sms
from hotline.settings import current_settings
from tests.web.helpers import make_ticket, user

EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "6"))  # per operation, signed in as a supervisor
# (who, generation mode) -> share of EXAMPLES: the supervisor sees every operation's answers, the
# other roles mostly their 403/404s, nobody only 401s (sign-in is checked before anything else).
PLAN = {
    ("supervisor", GenerationMode.POSITIVE): 1.0,
    ("supervisor", GenerationMode.NEGATIVE): 0.5,
    ("operator", GenerationMode.POSITIVE): 0.34,
    ("liaison", GenerationMode.POSITIVE): 0.34,
    ("nobody", GenerationMode.POSITIVE): 0.17,
    ("nobody", GenerationMode.NEGATIVE): 0.17,
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False}  # the limiter would turn the run into 429s after a few cases


def _failures_of(operation, mode, headers, examples: int) -> list[str]:
    found: list[str] = []

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except FailureGroup as group:
            found.append(f"{operation.label} [{mode}]: {str(group)[:1500]}")
        except Exception as exc:  # noqa: BLE001  (an app exception is a 500 too: report it with the case)
            found.append(f"{operation.label} [{mode}]: {type(exc).__name__}: {exc}"[:1500])

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to make invalid (no parameters, no body): the positive run covers it
    return found


def test_every_answer_is_described_and_none_is_a_5xx(app, client, login):
    operator_api = login("operator")
    supervisor_api = login("supervisor", phone="+8613900000011")
    liaison_api = login("liaison", bureau="civil_affairs", phone="+8613900000012")
    make_ticket(user("operator1"))  # a ticket, its assignments and messages for the ids to reach
    now = datetime.now(UTC)
    receive_sms(
        "SM" + "1" * 32, "+8613800000077", "我家隔壁的孩子经常被打，请帮帮他", now, settings=current_settings()
    )  # no street yet
    record_call("CA" + "2" * 32, "+8613800000078", "+8610000000", now)
    tokens = {
        "supervisor": supervisor_api.token,
        "operator": operator_api.token,
        "liaison": liaison_api.token,
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/auth/tokens/current" and operation.method.upper() == "DELETE":
            continue  # would sign the fuzzing users out; covered in test_auth
        for (who, mode), share in PLAN.items():
            token = tokens.get(who)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            failures += _failures_of(operation, mode, headers, max(1, round(EXAMPLES * share)))
    assert not failures, f"{len(failures)} failing operations:\n\n" + "\n\n".join(failures)
