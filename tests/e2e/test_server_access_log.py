"""The server's access log (a real gunicorn started as the Procfile starts it, reading
gunicorn.conf.py) shows no query string, tracking code, secret or phone number."""

from __future__ import annotations

import time

import requests

from hotline.gunicorn_logging import redact_path
from tests.live_server import gunicorn


def test_redact_path_table():
    for path, expected in (
        ("/api/v1/reports/3141592653", "/api/v1/reports/[redacted]"),
        ("/api/v1/tickets/12", "/api/v1/tickets/12"),
        ("/x/+8613800000000/y", "/x/[redacted]/y"),
        ("/status", "/status"),
    ):
        assert redact_path(path) == expected


def test_the_access_log_keeps_no_codes_secrets_or_phones(app, service_env, tmp_path):
    log_path = tmp_path / "server.log"
    with gunicorn(service_env, log_path, workers=1) as base:
        report = {"description": "孩子在车站附近流浪，无人照看。", "location": {"street": "jiangyuan"}}
        created = requests.post(base + "/api/v1/reports", json=report, timeout=30).json()
        code, secret = created["tracking_code"], created["secret"]
        requests.get(f"{base}/api/v1/reports/{code}", headers={"X-Report-Secret": secret}, timeout=30)
        requests.get(f"{base}/api/v1/messages?to=%2B8613800000000&code={code}", timeout=30)
        requests.get(f"{base}/status?tracking_code={code}&secret={secret}", timeout=30)
        time.sleep(0.5)
    text = log_path.read_text(errors="replace")
    assert "/api/v1/reports/[redacted]" in text and "/api/v1/messages" in text  # the log is on
    for leaked in (code, secret, "8613800000000", "?", "tracking_code="):
        assert leaked not in text.split("Booting worker")[-1], leaked
