"""Reporter secrets (CONTRACT "Public look-up and reporter secrets"): at most 5 wrong secrets per
tracking code in 24 hours across web, API and voice and whatever the client; one public budget
for every public route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.intake.reports import LOCKOUT_TRIES, find_report
from hotline.queues import get_redis
from hotline.settings import current_settings
from tests.api.test_public_reports import REPORTS, look_up, report, submit
from tests.twilio_signing import CALLER, TWILIO_CONFIG, parse, sid
from tests.web.conftest import Pages


def wrong_secret(answer):
    return "000000" if answer["secret"] != "000000" else "111111"


@pytest.mark.parametrize("app_config", [TWILIO_CONFIG])
def test_five_wrong_secrets_lock_the_code_across_channels_and_clients(app, client, twilio):
    answer = submit(client)
    code, wrong = answer["tracking_code"], wrong_secret(answer)
    # API, from two different clients ...
    assert look_up(client, code, wrong).status_code == 404
    assert (
        client.get(
            f"{REPORTS}/{code}", headers={"X-Report-Secret": wrong}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
        ).status_code
        == 404
    )
    # ... the web page ...
    page = Pages(app, app.test_client())
    assert page.post("/status", {"tracking_code": code, "secret": wrong}).status_code == 404
    # ... and the phone menu.
    call = sid("CA")
    base = {"CallSid": call, "From": CALLER}
    root = parse(twilio.post("/twilio/voice/lookup", dict(base, Digits=code)))
    parse(twilio.post(root.find("Gather").get("action"), dict(base, Digits=wrong)))
    assert look_up(client, code, answer["secret"]).status_code == 200  # 4 wrong so far: still open
    assert look_up(client, code, wrong).status_code == 404  # the 5th

    locked = look_up(client, code, answer["secret"])
    assert locked.status_code == 404
    assert locked.json == look_up(client, "1234567890", answer["secret"]).json  # the same 404 as unknown
    assert page.post("/status", {"tracking_code": code, "secret": answer["secret"]}).status_code == 404


def test_the_lock_lifts_when_the_window_passes(client):
    answer = submit(client)
    code, wrong = answer["tracking_code"], wrong_secret(answer)
    then = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for minute in range(LOCKOUT_TRIES):
        assert (
            find_report(
                code, wrong, now=then + timedelta(minutes=minute), settings=current_settings(), redis=get_redis()
            )
            is None
        )
    assert (
        find_report(
            code, answer["secret"], now=then + timedelta(hours=23), settings=current_settings(), redis=get_redis()
        )
        is None
    )
    assert (
        find_report(
            code,
            answer["secret"],
            now=then + timedelta(hours=24, minutes=5),
            settings=current_settings(),
            redis=get_redis(),
        )
        is not None
    )


def test_other_codes_are_not_locked(client):
    first, second = submit(client), submit(client)
    for _ in range(LOCKOUT_TRIES):
        look_up(client, first["tracking_code"], wrong_secret(first))
    assert look_up(client, second["tracking_code"], second["secret"]).status_code == 200


@pytest.mark.parametrize("app_config", [{"HOTLINE_PUBLIC_RATE_LIMIT": "4 per minute", **TWILIO_CONFIG}])
def test_one_budget_covers_every_public_route_web_and_api(app, client):
    answer = submit(client)  # 1: API report
    page = Pages(app, app.test_client())
    assert look_up(client, answer["tracking_code"], answer["secret"]).status_code == 200  # 2: API look-up
    status = {"tracking_code": answer["tracking_code"], "secret": answer["secret"]}
    assert page.post("/status", status).status_code == 200  # 3: web look-up
    assert page.post("/", {}).status_code == 422  # 4: the web form (invalid, but it counts)
    assert client.post(REPORTS, json=report()).status_code == 429
    assert look_up(client, answer["tracking_code"], answer["secret"]).status_code == 429
    assert page.post("/status", status).status_code == 429
