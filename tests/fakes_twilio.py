"""A recording stand-in for Twilio's HTTP layer, reached only through the SDK's own seam.

Point ``TWILIO_HTTP_CLIENT`` at ``tests.fakes_twilio:RecordingHttpClient``. It works in the
test process and inside a real ``rq worker`` process alike, because everything goes
through files named by environment variables:

- ``FAKE_TWILIO_LOG``: every request is appended as one JSON line (method, url, form data);
- ``FAKE_TWILIO_DELAY_MS`` (optional): how long every answer takes;
- ``FAKE_TWILIO_SCRIPT`` (optional): a JSON list of answers, the Nth request gets the Nth
  (``{"status": 503}``, ``{"status": 400, "code": 21211, "message": "..."}``); requests beyond
  the script (or without one) succeed with 201 and a fresh ``SM...`` sid.

``FakeTwilio`` sets these up for a test and reads the log back.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from twilio.http import HttpClient
from twilio.http.response import Response

LOG_ENV = "FAKE_TWILIO_LOG"
SCRIPT_ENV = "FAKE_TWILIO_SCRIPT"
DELAY_ENV = "FAKE_TWILIO_DELAY_MS"  # optional: every answer takes this long (Twilio's own latency)
CLIENT_PATH = "tests.fakes_twilio:RecordingHttpClient"
# What a recording's media URL answers (GET .../Recordings/RE....mp3).
FAKE_AUDIO = b"ID3\x03\x00fake mp3 audio"


class RecordingHttpClient(HttpClient):
    def __init__(self) -> None:
        super().__init__(logger=logging.getLogger(__name__), is_async=False)

    def request(
        self,
        method: str,
        uri: str,
        params: dict | None = None,
        data: dict | None = None,
        headers: dict | None = None,
        auth: tuple | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        log_path = Path(os.environ[LOG_ENV])
        record = {
            "method": method,
            "url": uri,
            "data": {k: str(v) for k, v in (data or {}).items()},
            "pid": os.getpid(),
        }
        # One lock around count-and-append, so concurrent workers number their requests right.
        with open(log_path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            index = len(log_path.read_text().splitlines()) if log_path.exists() else 0
            with open(log_path, "a") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        answer = _scripted(index)
        time.sleep(int(os.environ.get(DELAY_ENV) or 0) / 1000)
        if "/Recordings/" in uri and not answer:
            if method.upper() == "DELETE":
                return Response(204, "", headers={})
            return Response(200, FAKE_AUDIO, headers={"Content-Type": "audio/mpeg"})
        status = int(answer.get("status", 201))
        if status >= 400:
            body = {
                "code": answer.get("code", 20500),
                "message": answer.get("message", "scripted failure"),
                "more_info": "https://www.twilio.com/docs/errors",
                "status": status,
            }
        else:
            body = {
                "sid": "SM" + uuid.uuid4().hex,
                "status": "queued",
                "to": record["data"].get("To"),
                "from": record["data"].get("From"),
                "body": record["data"].get("Body"),
            }
        return Response(status, json.dumps(body), headers={"Content-Type": "application/json"})


def _scripted(index: int) -> dict[str, Any]:
    path = os.environ.get(SCRIPT_ENV)
    if not path or not Path(path).exists():
        return {}
    script = json.loads(Path(path).read_text())
    return script[index] if index < len(script) else {}


class FakeTwilio:
    """Files, environment and config for one test's fake Twilio."""

    def __init__(self, folder: Path):
        self.log = folder / "twilio-requests.jsonl"
        self.script_file = folder / "twilio-script.json"
        self.log.unlink(missing_ok=True)
        self.script_file.unlink(missing_ok=True)

    def script(self, *answers: dict[str, Any]) -> None:
        self.script_file.write_text(json.dumps(list(answers)))

    @property
    def env(self) -> dict[str, str]:
        """For a worker process (the test fixtures strip TWILIO_* from the environment)."""
        return {
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "test-auth-token",
            "TWILIO_FROM_NUMBER": "+15005550006",
            "TWILIO_HTTP_CLIENT": CLIENT_PATH,
            LOG_ENV: str(self.log),
            SCRIPT_ENV: str(self.script_file),
        }

    @property
    def config(self) -> dict[str, str]:
        """For an app in the test process (the env variables must be set too, see ``env``)."""
        return {k: v for k, v in self.env.items() if k.startswith("TWILIO_")}

    def requests(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]
