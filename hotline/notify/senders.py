"""SMS senders: Twilio's REST client, or a log backend when no credentials are set.

Tests reach Twilio only through the SDK's own ``http_client`` seam: ``TWILIO_HTTP_CLIENT``
may name (dotted path) an ``twilio.http.HttpClient`` subclass to construct.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from flask import Flask

log = logging.getLogger(__name__)


class TransientSendError(Exception):
    """Worth retrying: the provider or the network failed, not the message."""


class PermanentSendError(Exception):
    """Retrying cannot help (a bad number, a rejected request)."""


@dataclass
class SendResult:
    provider: str
    provider_sid: str


class Sender(Protocol):
    """What ``hotline.notify.services.send_message`` is given to send through."""

    provider: str

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult: ...


class LogSender:
    provider = "log"

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        # The body is deliberately not logged in full: ids only in logs.
        sid = "LOG" + uuid.uuid4().hex
        log.info("sms via log backend: sid=%s to=***%s chars=%d", sid, to[-4:], len(body))
        return SendResult(self.provider, sid)


class TwilioSender:
    provider = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, http_client=None):
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.from_number = from_number

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs = {"to": to, "from_": self.from_number, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise TransientSendError(f"twilio {exc.status} {exc.code}") from exc
            raise PermanentSendError(f"twilio {exc.status} {exc.code}: {exc.msg}") from exc
        except (TwilioException, OSError) as exc:
            raise TransientSendError(f"twilio unreachable: {type(exc).__name__}") from exc
        return SendResult(self.provider, message.sid)


def twilio_http_client(app: Flask):
    path = app.config.get("TWILIO_HTTP_CLIENT")
    if not path:
        return None
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)()


def get_sender(app: Flask):
    cfg = app.config
    if cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN") and cfg.get("TWILIO_FROM_NUMBER"):
        return TwilioSender(
            cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"], cfg["TWILIO_FROM_NUMBER"], twilio_http_client(app)
        )
    return LogSender()
