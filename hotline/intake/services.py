"""Intake services behind the Twilio webhooks and the operator's completion of a `new` ticket.

Twilio retries a webhook it got no timely answer to, and may deliver two copies at once. The
unique keys on ``tickets.recording_sid`` and ``tickets.message_sid`` decide which copy creates
the ticket; the other one reads what the first stored and answers the same. For an SMS the
answer carries the reporter's secret, which is stored only as a keyed hash, so the reply text
itself is kept as the ``reply`` message row written in the ticket's own transaction (see
``receive_sms``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from redis import Redis
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from hotline.audit import record_access
from hotline.dispatch.services import INVALID, reference_errors, refresh_suggestion
from hotline.errors import Conflict, NotFound, ValidationError
from hotline.extensions import db
from hotline.intake import calls
from hotline.intake.repeats import link_repeats
from hotline.intake.reports import find_report, public_updates
from hotline.intake.tickets import create_ticket, derived_secret
from hotline.intake.voice import LOOKUP_TRIES
from hotline.models import Channel, Message, MessageKind, MessageStatus, Ticket, TicketStatus, User
from hotline.notify import templates
from hotline.notify.services import update_delivery_status
from hotline.reference.services import current_reference
from hotline.settings import Settings
from hotline.tracking.transitions import record_event

log = logging.getLogger(__name__)

REPLY_PROVIDER = "twiml"  # the reply travelled in the webhook's answer, not through the outbox
EMPTY_SMS = "（短信内容为空）"


# --- SMS ---------------------------------------------------------------------------------------


def _by(column: Any, value: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(column == value))


MASKED_SECRET = "******"


def _sms_reply(ticket: Ticket, message_sid: str, *, key: str, masked: bool = False) -> str:
    """The reply to an SMS report. Its secret is derived from the MessageSid with the secret key,
    so a retried webhook answers the identical text while the stored copy shows it masked."""
    secret = MASKED_SECRET if masked else derived_secret("sms", message_sid, key=key)
    return templates.render("report_received", tracking_code=ticket.tracking_code, secret=secret)


def receive_sms(message_sid: str, from_number: str, body: str, now: datetime, *, settings: Settings) -> str:
    """An SMS report: a `new` ticket (channel sms) and the reply text with its code and secret.

    The reply is recorded as a ``reply`` message (status ``sent``, provider ``twiml``) in the
    same transaction as the ticket, with the secret masked: nobody can read a reporter's
    secret back, not even in ``GET /messages``. A retried or concurrent copy of the webhook
    finds the ticket and answers the very same text (the secret is derived, not stored).
    """
    existing = _by(Ticket.message_sid, message_sid)
    if existing is not None:
        return _sms_reply(existing, message_sid, key=settings.secret_key)
    sender = (from_number or "").strip()[:32]
    text = (body or "").strip() or EMPTY_SMS
    data = {"description": text, "reporter": {"phone": calls.caller_number(sender) or sender or None}}

    def write_reply(ticket: Ticket, secret: str) -> None:
        db.session.add(
            Message(
                to=sender,
                body=_sms_reply(ticket, message_sid, key=settings.secret_key, masked=True),
                kind=MessageKind.REPLY.value,
                status=MessageStatus.SENT.value,
                provider=REPLY_PROVIDER,
                ticket_id=ticket.id,
                created_at=now,
                sent_at=now,
                updated_at=now,
            )
        )

    try:
        ticket, _secret = create_ticket(
            data,
            channel=Channel.SMS.value,
            actor=None,
            now=now,
            auto_dispatch=False,
            external={"message_sid": message_sid},
            on_created=write_reply,
            secret=derived_secret("sms", message_sid, key=settings.secret_key),
            settings=settings,
        )
    except IntegrityError:
        ticket = _by(Ticket.message_sid, message_sid)
        if ticket is None:
            raise
        log.info("sms %s: a concurrent copy created ticket %s", message_sid, ticket.id)
    return _sms_reply(ticket, message_sid, key=settings.secret_key)


def sms_twiml(reply: str | None) -> str:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


def sms_delivery_status(message_sid: str, status: str) -> None:
    message = update_delivery_status(message_sid, status.strip().lower())
    if message is None:
        log.info("sms status %s for unknown message sid", status)


# --- voicemail ---------------------------------------------------------------------------------


def receive_voicemail(
    *,
    call_sid: str,
    recording_sid: str,
    recording_url: str | None,
    duration: int | None,
    from_number: str | None,
    to_number: str | None,
    now: datetime,
    settings: Settings,
) -> Ticket:
    """A voicemail becomes a `new` ticket linked to its recording; `emergency` after menu 1."""
    existing = _by(Ticket.recording_sid, recording_sid)
    if existing is not None:
        calls.attach_recording(call_sid, recording_sid, recording_url, existing.id, now)
        return existing
    call = calls.record_call(call_sid, from_number, to_number, now)
    danger = call.menu_choice == "1"
    seconds = f"，时长{duration}秒" if duration is not None else ""
    description = (
        ("语音留言（来电者按1：儿童正处于危险中）" if danger else "语音留言")
        + seconds
        + "。请收听录音，补全工单后派单。"
    )
    phone = calls.caller_number(from_number or call.from_number)
    data = {
        "description": description,
        "urgency": current_reference().emergency_code() if danger else None,
        "reporter": {"phone": phone},
    }
    external = {"call_sid": call_sid, "recording_sid": recording_sid, "recording_url": recording_url}
    try:
        ticket, _secret = create_ticket(
            data,
            channel=Channel.VOICEMAIL.value,
            actor=None,
            now=now,
            auto_dispatch=False,
            external=external,
            settings=settings,
        )
    except IntegrityError:
        ticket = _by(Ticket.recording_sid, recording_sid)
        if ticket is None:
            raise
        log.info("recording %s: a concurrent copy created ticket %s", recording_sid, ticket.id)
    calls.attach_recording(call_sid, recording_sid, recording_url, ticket.id, now)
    return ticket


# --- the phone menu's status look-up (3) ---------------------------------------------------------


@dataclass(frozen=True)
class LookupStep:
    kind: str  # ask_secret | status | retry | give_up
    code: str = ""
    status: str = ""
    note: str | None = None


def _failed_try(call_sid: str, from_number: str | None, to_number: str | None, now: datetime) -> LookupStep:
    tries = calls.lookup_failed(call_sid, from_number, to_number, now)
    return LookupStep("retry") if tries < LOOKUP_TRIES else LookupStep("give_up")


def voice_lookup_code(
    call_sid: str, digits: str | None, from_number: str | None, to_number: str | None, now: datetime
) -> LookupStep:
    """The keyed tracking code: ask for the secret next (an unknown code is told only after it)."""
    if calls.lookup_attempts(call_sid) >= LOOKUP_TRIES:
        return LookupStep("give_up")
    code = (digits or "").strip().rstrip("#")
    if len(code) != 10 or not code.isdigit():
        return _failed_try(call_sid, from_number, to_number, now)
    return LookupStep("ask_secret", code=code)


def voice_lookup_secret(
    call_sid: str,
    code: str,
    digits: str | None,
    from_number: str | None,
    to_number: str | None,
    now: datetime,
    *,
    settings: Settings,
    redis: Redis,
) -> LookupStep:
    """The keyed secret: read the status out, or count a failed try (three per call)."""
    if calls.lookup_attempts(call_sid) >= LOOKUP_TRIES:
        return LookupStep("give_up")
    ticket = find_report(code, (digits or "").strip().rstrip("#"), settings=settings, redis=redis, now=now)
    if ticket is None:
        return _failed_try(call_sid, from_number, to_number, now)
    updates = public_updates(ticket)
    log.info("call %s heard the status of ticket %s", call_sid, ticket.id)
    return LookupStep(
        "status", code=ticket.tracking_code, status=ticket.status, note=updates[-1]["note"] if updates else None
    )


# --- completing a `new` ticket (PATCH /api/v1/tickets/<id>) -------------------------------------

PATCHABLE = ("description", "protection_types", "subject_categories", "urgency")
# What may still be corrected once a ticket is dispatched (until it is closed or cancelled).
CORRECTABLE = frozenset({"child", "reporter", "location", "description"})


def _complete(ticket: Ticket) -> bool:
    """Everything an operator's ticket must have before it can be dispatched."""
    return bool(ticket.protection_types) and bool(ticket.urgency) and bool(ticket.street_code)


def complete_ticket(ticket_id: int, data: dict[str, Any], *, actor: User, now: datetime) -> Ticket:
    """Fill in what the caller could not give on a `new` ticket; recompute the rules' suggestion.
    After dispatch (until closed or cancelled) only the child, reporter, location and
    description may be corrected (``corrected``).

    Records ``completed`` the first time the ticket has protection types, urgency and street,
    ``edited`` otherwise. Links any repeat the new facts reveal. Field names are recorded in the
    event, never the values (the timeline must not copy a child's details around).
    """
    errors = reference_errors(data)  # the codes, for every caller (the schemas run no query)
    if errors:
        raise ValidationError(INVALID, errors)
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("工单不存在 ticket not found")
    if data.get("version") is not None and data["version"] != ticket.version:
        raise Conflict(
            "工单已被他人修改，请刷新后重试 the ticket changed since you loaded it", {"version": [str(ticket.version)]}
        )
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        raise Conflict(
            f"工单已{ticket.status}，不能修改 a {ticket.status} ticket cannot be changed", {"status": [ticket.status]}
        )
    if ticket.status != TicketStatus.NEW:
        # After dispatch only corrections: the codes and urgency decided the dispatch.
        fixed = sorted(set(data) - CORRECTABLE - {"version"})
        if fixed:
            raise Conflict(
                f"工单已派单，只能更正儿童、报告人、地点和描述 after dispatch only the child, reporter, "
                f"location and description can be corrected (this ticket is {ticket.status})",
                {name: [f"cannot change while {ticket.status}"] for name in fixed},
            )
    was_complete = _complete(ticket)
    changed = _apply(ticket, data)
    if not changed:
        raise ValidationError("没有要修改的字段 nothing to change", {"_schema": ["nothing to change"]})
    ticket.updated_at = now
    if ticket.status != TicketStatus.NEW:
        action = "corrected"
    else:
        action = "completed" if _complete(ticket) and not was_complete else "edited"
    record_event(ticket, action, actor=actor, now=now, data={"fields": sorted(changed)})
    if ticket.status == TicketStatus.NEW:
        refresh_suggestion(ticket)
    link_repeats(ticket, now)
    record_access(actor, via="patch", now=now, ticket_id=ticket.id)  # the answer is the full record
    db.session.commit()
    log.info("ticket %s %s by user %s (%s)", ticket.id, action, actor.id, ", ".join(sorted(changed)))
    return ticket


def _apply(ticket: Ticket, data: dict[str, Any]) -> set[str]:
    changed: set[str] = set()

    def put(attr: str, value: Any, name: str) -> None:
        if getattr(ticket, attr) != value:
            setattr(ticket, attr, value)
            changed.add(name)

    for name in PATCHABLE:
        if name in data:
            value = data[name]
            if name in ("protection_types", "subject_categories"):
                value = list(dict.fromkeys(value))
            put(name, value, name)
    if "protection_types" in data:
        put(
            "primary_protection_type",
            ticket.protection_types[0] if ticket.protection_types else None,
            "protection_types",
        )
    for group, fields in (
        ("location", {"street": "street_code", "address": "address"}),
        ("child", {"name": "child_name", "age": "child_age", "gender": "child_gender"}),
        ("reporter", {"name": "reporter_name", "phone": "reporter_phone", "anonymous": "reporter_anonymous"}),
    ):
        for key, attr in fields.items():
            if key in (data.get(group) or {}):
                put(attr, data[group][key], f"{group}.{key}")
    if ticket.reporter_anonymous:  # an anonymous reporter is never stored (see create_ticket)
        put("reporter_name", None, "reporter.name")
        put("reporter_phone", None, "reporter.phone")
    return changed
