"""The call log: one row per Twilio call, kept from greeting to hang-up, for call-backs.

Every webhook may be retried by Twilio, so each step is safe to run twice: the row is created
once (``calls.call_sid`` is unique; a concurrent duplicate insert loses and reads the winner's
row) and later steps only set fields. A call no operator answered ends up ``missed`` and stays
in the call-back list until an operator marks it ``called_back``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hotline.audit import record_access
from hotline.errors import Conflict, NotFound
from hotline.extensions import db
from hotline.models import Call, CallStatus, Ticket, User
from hotline.pagination import paginate

log = logging.getLogger(__name__)

MENU_CHOICES = ("1", "2", "3")
# Twilio's stand-ins for a withheld, restricted or unknown caller id: never a person to match on.
WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
TERMINAL_TWILIO_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
_LIVE = {"queued": CallStatus.RINGING, "ringing": CallStatus.RINGING, "in-progress": CallStatus.IN_PROGRESS}
ANSWERED_DIAL_STATUSES = frozenset({"completed", "answered"})


def caller_number(raw: str | None) -> str | None:
    """The caller's number when it identifies someone (E.164, not withheld); else None."""
    number = (raw or "").strip()
    if not _E164.match(number) or number in WITHHELD_NUMBERS:
        return None
    return number


def _find(call_sid: str) -> Call | None:
    return db.session.scalar(sa.select(Call).filter_by(call_sid=call_sid))


def _ensure_call(call_sid: str, from_number: str | None, to_number: str | None, now: datetime) -> Call:
    """The call's row, created on first sight; a concurrent twin insert loses and reads the winner's."""
    call = _find(call_sid)
    if call is not None:
        return call
    call = Call(
        call_sid=call_sid,
        from_number=(from_number or None),
        to_number=(to_number or None),
        status=CallStatus.IN_PROGRESS,
        started_at=now,
    )
    db.session.add(call)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        call = _find(call_sid)
        if call is None:  # pragma: no cover - the unique key's winner is committed by now
            raise
        log.info("call %s: a concurrent copy logged it first", call_sid)
    return call


def record_call(call_sid: str, from_number: str | None, to_number: str | None, now: datetime) -> Call:
    """The greeting webhook: log the call (once per CallSid)."""
    call = _ensure_call(call_sid, from_number, to_number, now)
    log.info("call %s logged (id %s)", call_sid, call.id)
    return call


def choose_menu(
    call_sid: str, digits: str | None, from_number: str | None, to_number: str | None, now: datetime
) -> str | None:
    """Record the caller's menu key. Returns "1"/"2"/"3", "2" for silence, None for any other key."""
    call = _ensure_call(call_sid, from_number, to_number, now)
    digits = (digits or "").strip()
    if not digits:
        # Silence (a rotary phone, a frightened child): treated like 2, put through to a person.
        return "2"
    if digits not in MENU_CHOICES:
        return None
    if call.menu_choice != digits:
        call.menu_choice = digits
        db.session.commit()
    return digits


def _settle(call: Call) -> None:
    """A finished call is completed if an operator spoke with the caller, else missed.

    One UPDATE decides from the row as committed, so a dial result and a status callback
    arriving together cannot leave an answered call ``missed`` (or the reverse).
    """
    db.session.flush()
    db.session.execute(
        sa.update(Call)
        .where(
            Call.id == call.id, Call.status != CallStatus.CALLED_BACK, Call.twilio_status.in_(TERMINAL_TWILIO_STATUSES)
        )
        .values(
            status=sa.case((Call.answered_at.is_not(None), CallStatus.COMPLETED.value), else_=CallStatus.MISSED.value)
        )
        .execution_options(synchronize_session=False)
    )


def dial_finished(
    call_sid: str, dial_status: str | None, from_number: str | None, to_number: str | None, now: datetime
) -> bool:
    """The operators' dial ended. True when one of them answered (then no voicemail is offered)."""
    call = _ensure_call(call_sid, from_number, to_number, now)
    answered = (dial_status or "").strip().lower() in ANSWERED_DIAL_STATUSES
    if answered and call.answered_at is None:
        db.session.execute(
            sa.update(Call)
            .where(Call.id == call.id, Call.answered_at.is_(None))
            .values(answered_at=now)
            .execution_options(synchronize_session=False)
        )
        _settle(call)
        db.session.commit()
    return answered


def update_call_status(
    call_sid: str,
    twilio_status: str,
    duration: int | None,
    from_number: str | None,
    to_number: str | None,
    now: datetime,
) -> Call:
    """Twilio's status callback. Never moves a finished call back to a live state."""
    call = _ensure_call(call_sid, from_number, to_number, now)
    twilio_status = twilio_status.strip().lower()
    if call.twilio_status in TERMINAL_TWILIO_STATUSES and twilio_status not in TERMINAL_TWILIO_STATUSES:
        return call
    call.twilio_status = twilio_status
    if duration is not None:
        call.duration = duration
    if twilio_status in TERMINAL_TWILIO_STATUSES:
        call.ended_at = call.ended_at or now
        _settle(call)
    elif call.status not in (CallStatus.COMPLETED, CallStatus.MISSED, CallStatus.CALLED_BACK):
        call.status = _LIVE.get(twilio_status, call.status)
    db.session.commit()
    return call


def lookup_failed(call_sid: str, from_number: str | None, to_number: str | None, now: datetime) -> int:
    """Count a failed status look-up on this call; returns the failures so far."""
    call = _ensure_call(call_sid, from_number, to_number, now)
    db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id)
        .values(lookup_attempts=Call.lookup_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(call)
    return call.lookup_attempts


def lookup_attempts(call_sid: str) -> int:
    call = _find(call_sid)
    return call.lookup_attempts if call is not None else 0


def attach_recording(
    call_sid: str, recording_sid: str, recording_url: str | None, ticket_id: int | None, now: datetime
) -> Call:
    """Link a voicemail's recording and ticket to its call (safe to repeat)."""
    call = _ensure_call(call_sid, None, None, now)
    call.recording_sid = recording_sid
    call.recording_url = recording_url or call.recording_url
    if ticket_id is not None and call.ticket_id is None:
        call.ticket_id = ticket_id
    db.session.commit()
    return call


def _linked_ticket_id():
    """A call's ticket: the voicemail's, else the first ticket an operator logged with its CallSid."""
    logged = sa.select(sa.func.min(Ticket.id)).where(Ticket.call_sid == Call.call_sid).scalar_subquery()
    return sa.func.coalesce(Call.ticket_id, logged).label("linked_ticket_id")


def _row(call: Call, ticket_id: int | None) -> dict[str, Any]:
    return {
        "call_sid": call.call_sid,
        "from": call.from_number,
        "to": call.to_number,
        "status": call.status,
        "twilio_status": call.twilio_status,
        "menu_choice": call.menu_choice,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "duration": call.duration,
        "recording_sid": call.recording_sid,
        "has_recording": bool(call.recording_sid and call.recording_url),
        "ticket_id": ticket_id,
        "called_back_at": call.called_back_at,
    }


def list_calls(status: str | None = None, page: int = 1, per_page: int = 100) -> dict[str, Any]:
    """The call log, newest first; ``status=missed`` is the call-back list."""
    query = sa.select(Call, _linked_ticket_id())
    if status:
        query = query.where(Call.status == status)
    rows, total = paginate(query.order_by(Call.started_at.desc(), Call.id.desc()), page, per_page, scalars=False)
    return {"items": [_row(call, ticket_id) for call, ticket_id in rows], "total": total}


def _get(call_sid: str) -> Call:
    call = _find(call_sid)
    if call is None:
        raise NotFound("没有这个通话 no such call")
    return call


def get_call(call_sid: str) -> dict[str, Any]:
    call, ticket_id = db.session.execute(sa.select(Call, _linked_ticket_id()).where(Call.id == _get(call_sid).id)).one()
    return _row(call, ticket_id)


def mark_called_back(call_sid: str, actor: User, now: datetime) -> dict[str, Any]:
    """An operator rang a missed caller back: the call leaves the call-back list."""
    call = _get(call_sid)
    if call.status != CallStatus.MISSED:
        raise Conflict(
            f"通话状态为 {call.status}，只有未接来电可以标记为已回拨 only a missed call can be marked called back",
            {"status": [call.status]},
        )
    call.status = CallStatus.CALLED_BACK
    call.called_back_at = now
    call.called_back_by_id = actor.id
    db.session.commit()
    log.info("call %s marked called back by user %s", call_sid, actor.id)
    return get_call(call_sid)


def call_context(call_sid: str, *, actor: User, now: datetime) -> dict[str, Any]:
    """What an operator should know about a caller: their earlier tickets and calls.

    The tickets carry personal fields, so each one shown is recorded in the access log."""
    call = _get(call_sid)
    number = caller_number(call.from_number)
    result: dict[str, Any] = {
        "call": get_call(call_sid),
        "caller_identified": number is not None,
        "tickets": [],
        "calls": [],
    }
    if number is None:
        return result
    same_caller = sa.select(Call.call_sid).where(Call.from_number == number, Call.id != call.id)
    same_caller_tickets = sa.select(Call.ticket_id).where(
        Call.from_number == number, Call.id != call.id, Call.ticket_id.is_not(None)
    )
    query = sa.select(Ticket).where(
        sa.or_(Ticket.reporter_phone == number, Ticket.call_sid.in_(same_caller), Ticket.id.in_(same_caller_tickets)),
        sa.or_(Ticket.call_sid.is_(None), Ticket.call_sid != call.call_sid),  # earlier: not this call's own
    )
    if call.ticket_id is not None:
        query = query.where(Ticket.id != call.ticket_id)
    tickets = db.session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(50)).all()
    result["tickets"] = tickets
    for ticket in tickets:
        record_access(actor, via="call", now=now, ticket_id=ticket.id)
    if tickets:
        db.session.commit()
    rows = db.session.execute(
        sa.select(Call, _linked_ticket_id())
        .where(Call.from_number == number, Call.id != call.id)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(50)
    ).all()
    result["calls"] = [_row(other, ticket_id) for other, ticket_id in rows]
    return result
