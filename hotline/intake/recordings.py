"""Voicemail recordings, served through the app and never by the provider's URL.

The audio is fetched from Twilio with the account's credentials through the SDK's client
(its ``http_client`` seam, ``TWILIO_HTTP_CLIENT`` in tests), only for the center's roles, and
every playback is recorded in the access log. The URL is built from the recording's SID, so
the credentials are only ever sent to Twilio's API host.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask

from hotline.audit import record_access
from hotline.errors import DomainError, NotFound
from hotline.extensions import db
from hotline.models import Ticket, User
from hotline.notify.senders import twilio_http_client

if TYPE_CHECKING:
    from twilio.rest import Client

log = logging.getLogger(__name__)

API = "https://api.twilio.com/2010-04-01"
NO_RECORDING = "此工单没有留言录音 this ticket has no voicemail recording"


class RecordingUnavailable(DomainError):
    status = 502


def media_http_client() -> Any:
    """The SDK's HTTP client answers ``response.text``; audio needs the bytes, and the media
    URL redirects to storage (the Authorization header is not sent on to another host).
    The SDK's REST client and ``requests`` are imported here, when a recording is played or
    deleted, not by every web process at start (about 16 MB)."""
    import requests
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class MediaHttpClient(TwilioHttpClient):
        def request(
            self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
        ):
            session = self.session or requests.Session()
            response = session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=auth,
                timeout=timeout or self.timeout or 30,
                allow_redirects=allow_redirects,
            )
            return Response(response.status_code, response.content, response.headers)

    return MediaHttpClient()


def twilio_client(app: Flask) -> Client | None:
    """The SDK's REST client for recordings (the edge builds it and passes it in), or None
    without Twilio credentials."""
    cfg = app.config
    if not (cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN")):
        return None
    from twilio.rest import Client

    return Client(
        cfg["TWILIO_ACCOUNT_SID"],
        cfg["TWILIO_AUTH_TOKEN"],
        http_client=twilio_http_client(app) or media_http_client(),
    )


def recording_media_url(client: Client, recording_sid: str) -> str:
    return f"{API}/Accounts/{client.account_sid}/Recordings/{recording_sid}.mp3"


def get_recording(
    ticket_id: int, *, actor: User, now: datetime, client: Client | None, via: str = "api"
) -> tuple[bytes, str]:
    """The voicemail's audio and its content type; the playback is audited before it is fetched."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket.recording_sid or not ticket.recording_url:
        raise NotFound(NO_RECORDING)
    if client is None:
        raise RecordingUnavailable(
            "未配置Twilio，无法获取录音 Twilio is not configured: the recording cannot be fetched"
        )
    record_access(actor, via="recording" if via == "api" else f"recording:{via}", now=now, ticket_id=ticket.id)
    db.session.commit()
    from twilio.base.exceptions import TwilioException

    try:
        response = client.request("GET", recording_media_url(client, ticket.recording_sid), allow_redirects=True)
    except (TwilioException, OSError) as exc:
        raise RecordingUnavailable(f"获取录音失败 could not fetch the recording: {type(exc).__name__}") from exc
    if response.status_code == 404:
        raise NotFound(NO_RECORDING)
    if response.status_code >= 400:
        raise RecordingUnavailable(f"获取录音失败 Twilio answered {response.status_code}")
    content = response.content
    if isinstance(content, str):  # a text-only http client (the SDK's default seam)
        content = content.encode("latin-1", errors="replace")
    content_type = (response.headers or {}).get("Content-Type") or "audio/mpeg"
    return content, content_type


def delete_recording(recording_sid: str, client: Client | None) -> bool | None:
    """Delete a recording at Twilio (retention). True when it is gone (404 counts as gone),
    False when Twilio refused, None without Twilio credentials (nothing can be reached)."""
    if client is None:
        log.warning("recording %s not deleted at Twilio: no Twilio credentials", recording_sid[:6])
        return None
    url = f"{API}/Accounts/{client.account_sid}/Recordings/{recording_sid}.json"
    response = client.request("DELETE", url)
    if response.status_code in (200, 204, 404):
        return True
    log.warning("recording delete answered %s", response.status_code)
    return False
