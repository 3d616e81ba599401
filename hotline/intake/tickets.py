"""Creating tickets: every channel's report becomes a ticket here, with its reporter secret.

``create_ticket`` owns the one transaction that stores the ticket, its first event, the
dispatch decision (``hotline.dispatch.services.route_new_ticket``), repeat links and any
outbox rows; only the secret's HMAC is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hotline.dispatch.services import INVALID, commit_keeping_loaded, reference, reference_errors, route_new_ticket
from hotline.errors import ValidationError
from hotline.extensions import db
from hotline.intake.repeats import link_repeats
from hotline.models import Ticket, TicketStatus, User
from hotline.settings import Settings
from hotline.tickets.lifecycle import PUBLIC_NOTES
from hotline.tracking import transitions

log = logging.getLogger(__name__)

TRACKING_DIGITS = 10
SECRET_DIGITS = 6


# --- secrets ---------------------------------------------------------------------------------


def hash_secret(tracking_code: str, secret: str, *, key: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY (``key``): a stolen database alone cannot test 6-digit guesses."""
    return hmac.new(key.encode(), f"{tracking_code}:{secret}".encode(), hashlib.sha256).hexdigest()


def verify_secret(ticket: Ticket, secret: str | None, *, key: str) -> bool:
    """True when ``secret`` is the ticket's secret (constant-time comparison)."""
    if not isinstance(secret, str) or not secret or not ticket.secret_hash:
        return False
    return hmac.compare_digest(hash_secret(ticket.tracking_code, secret.strip(), key=key), ticket.secret_hash)


def derived_secret(purpose: str, external_id: str, *, key: str) -> str:
    """A 6-digit secret derived from an external id (an SMS's MessageSid) with SECRET_KEY.

    A retried webhook must answer with the identical text, secret included, yet the secret is
    never stored readable: it is computed again from the id instead."""
    digest = hmac.new(key.encode(), f"{purpose}:{external_id}".encode(), hashlib.sha256).digest()
    low = 10 ** (SECRET_DIGITS - 1)
    return str(low + int.from_bytes(digest[:8], "big") % (9 * low))


def _random_digits(count: int) -> str:
    # No leading zero: keyed on a phone pad or pasted into a spreadsheet, the code stays intact.
    return str(secrets.randbelow(9 * 10 ** (count - 1)) + 10 ** (count - 1))


def _new_tracking_code() -> str:
    for _ in range(20):
        code = _random_digits(TRACKING_DIGITS)
        if db.session.scalar(sa.select(Ticket.id).filter_by(tracking_code=code)) is None:
            return code
    raise RuntimeError("could not find a free tracking code")  # 20 collisions in 9e9: never


def _ticket_number(ticket: Ticket, now: datetime, tz: str) -> str:
    local = now.astimezone(ZoneInfo(tz))
    return f"{local:%Y%m%d}-{ticket.id:06d}"


# --- creating tickets ------------------------------------------------------------------------


def create_ticket(
    data: Mapping[str, Any],
    *,
    channel: str,
    actor: User | None,
    now: datetime,
    auto_dispatch: bool = True,
    external: Mapping[str, Any] | None = None,
    on_created: Callable[[Ticket, str], None] | None = None,
    secret: str | None = None,
    settings: Settings,
) -> tuple[Ticket, str]:
    """Register a report as a ticket; dispatch it by the rules unless ``auto_dispatch`` is off.

    Returns the ticket and its plain 6-digit secret (only its HMAC is stored). An unknown
    code raises ValidationError before anything is stored. A duplicate Twilio SID raises
    IntegrityError after a rollback, so the webhook can answer with the existing ticket.
    Without ``auto_dispatch`` (public web reports, SMS, voicemail) the ticket stays ``new``
    and ``dispatch_suggestion`` holds what the rules would do (None when they route nothing).
    Repeat reports are linked (``hotline.intake.repeats``) and ``on_created(ticket, secret)``
    runs just before the one commit, so what it adds lands with the ticket or not at all.
    ``secret`` is given when it must be derivable again (the SMS reply, see ``derived_secret``).
    """
    ref = reference()
    errors = reference_errors(dict(data, channel=channel), ref)
    if errors:
        raise ValidationError(INVALID, errors)
    external = dict(external or {})
    location, child, reporter = data.get("location") or {}, data.get("child") or {}, data.get("reporter") or {}
    if reporter.get("anonymous"):
        # Anonymous on any channel (the public form, an operator's call): nothing that
        # identifies the reporter is stored, whatever was typed.
        reporter = {"anonymous": True}
    types = list(dict.fromkeys(data.get("protection_types") or ()))
    secret = secret or _random_digits(SECRET_DIGITS)
    try:
        tracking_code = _new_tracking_code()
        ticket = Ticket(
            tracking_code=tracking_code,
            secret_hash=hash_secret(tracking_code, secret, key=settings.secret_key),
            channel=channel,
            call_sid=external.get("call_sid") or data.get("call_sid"),
            recording_sid=external.get("recording_sid"),
            recording_url=external.get("recording_url"),
            message_sid=external.get("message_sid"),
            status=TicketStatus.NEW.value,
            urgency=data.get("urgency"),
            primary_protection_type=types[0] if types else None,
            protection_types=types,
            subject_categories=list(dict.fromkeys(data.get("subject_categories") or ())),
            description=data.get("description") or "",
            street_code=location.get("street"),
            address=location.get("address"),
            child_name=child.get("name"),
            child_age=child.get("age"),
            child_gender=child.get("gender"),
            reporter_name=reporter.get("name"),
            reporter_phone=reporter.get("phone"),
            reporter_anonymous=bool(reporter.get("anonymous", False)),
            created_by_id=actor.id if actor is not None else None,
            created_at=now,
            updated_at=now,
            assignments=[],  # known empty: no lazy load (and no early flush) when dispatching
        )
        db.session.add(ticket)
        db.session.flush()  # the id, for the number and the rows that point at the ticket
        with db.session.no_autoflush:  # one more flush, at commit, writes the rest in batches
            ticket.number = _ticket_number(ticket, now, settings.timezone)
            transitions.record_event(
                ticket,
                "created",
                actor=actor,
                now=now,
                to_status=ticket.status,
                data={"channel": channel, "urgency": ticket.urgency},
                public_note=PUBLIC_NOTES["new"],
            )
            route_new_ticket(ticket, auto_dispatch=auto_dispatch, actor=actor, now=now, ref=ref, settings=settings)
        link_repeats(ticket, now)
        if on_created is not None:  # rows that must commit with the ticket (the SMS reply)
            on_created(ticket, secret)
        commit_keeping_loaded()
    except IntegrityError:
        db.session.rollback()
        raise
    log.info("ticket %s created via %s, status %s", ticket.id, channel, ticket.status)
    return ticket, secret
