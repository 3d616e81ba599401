"""Pseudonymising tickets: the retention job and the admin's redaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hotline.audit import record_access
from hotline.errors import DomainError, NotFound, ValidationError
from hotline.extensions import db
from hotline.models import Assignment, Attachment, Call, Feedback, Note, Ticket, TicketStatus, User
from hotline.tracking.transitions import record_event

log = logging.getLogger(__name__)

REMOVED = "[已删除 removed]"
# What each redaction group clears on a ticket (``None``, or REMOVED for NOT NULL text).
GROUPS: dict[str, tuple[str, ...]] = {
    "child": ("child_name", "child_age", "child_gender", "child_key"),
    "reporter": ("reporter_name", "reporter_phone", "phone_key"),
    "address": ("address", "address_key"),
    "description": ("description",),
    "feedback": (),
    "notes": (),  # staff notes (会商/协调意见): free text that may name the child
    "attachments": (),  # photos, scanned visit records, 回执: deleted outright
    "recording": (),
}
RETAINED_GROUPS = tuple(GROUPS)  # retention removes every group
NOT_NULL = {"description"}


def _erase(ticket: Ticket, groups: Iterable[str], recordings: Any) -> dict[str, int]:
    """Clear the groups' fields on the ticket and its feedback, notes, attachments, calls and recording."""
    counts = {"recordings": 0}
    for group in groups:
        for attr in GROUPS[group]:
            setattr(ticket, attr, REMOVED if attr in NOT_NULL else None)
        if group == "feedback":
            own = sa.select(Assignment.id).where(Assignment.ticket_id == ticket.id)
            db.session.execute(sa.update(Feedback).where(Feedback.assignment_id.in_(own)).values(summary=REMOVED))
        if group == "notes":
            db.session.execute(sa.update(Note).where(Note.ticket_id == ticket.id).values(body=REMOVED))
        if group == "attachments":
            db.session.execute(sa.delete(Attachment).where(Attachment.ticket_id == ticket.id))
        if group in ("recording", "reporter"):
            calls = (
                sa.or_(Call.ticket_id == ticket.id, Call.call_sid == ticket.call_sid)
                if ticket.call_sid
                else (Call.ticket_id == ticket.id)
            )
            if group == "reporter":
                db.session.execute(sa.update(Call).where(calls).values(from_number=None))
            else:
                counts["recordings"] += _delete_recordings(ticket, calls, recordings)
    return counts


class RecordingNotDeleted(DomainError):
    status = 502


def _delete_recordings(ticket: Ticket, calls: Any, recordings: Any) -> int:
    """Delete the voicemail at Twilio (through the SDK's client) and clear its URLs. A failed
    delete raises, so the ticket's transaction is rolled back and the next run retries it."""
    from hotline.intake.recordings import delete_recording

    deleted = 0
    if ticket.recording_sid and ticket.recording_url:
        gone = delete_recording(ticket.recording_sid, recordings)
        if gone is False:
            raise RecordingNotDeleted(
                f"录音删除失败 the recording of ticket {ticket.id} could not be deleted at Twilio"
            )
        deleted = int(bool(gone))
    ticket.recording_url = None
    db.session.execute(sa.update(Call).where(calls).values(recording_url=None))
    return deleted


# --- the admin's redaction ------------------------------------------------------------------------


def redact_ticket(
    ticket_id: int, fields: list[str], reason: str, *, actor: User, now: datetime, recordings: Any = None
) -> Ticket:
    """Remove the named groups of personal fields now; the event records who, why and which.
    ``recordings``: the Twilio client a removed voicemail is deleted through (None: no credentials)."""
    unknown = sorted(set(fields) - set(GROUPS))
    if unknown:
        raise ValidationError(
            "未知字段 unknown fields", {"fields": [f"unknown: {', '.join(unknown)} (one of {', '.join(GROUPS)})"]}
        )
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("工单不存在 ticket not found")
    groups = sorted(set(fields))
    _erase(ticket, groups, recordings)
    ticket.updated_at = now
    record_event(ticket, "redact", actor=actor, now=now, reason=reason, data={"fields": groups})
    record_access(actor, via="redact", now=now, ticket_id=ticket.id)
    db.session.commit()
    log.info("ticket %s redacted by user %s (%s)", ticket.id, actor.id, ", ".join(groups))
    return ticket


# --- retention ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionStep:
    """One kind of record the retention job pseudonymises: which are due, and how one is done
    (in its own transaction, so an interrupted run leaves each record untouched or done)."""

    kind: str
    due: Callable[[datetime], sa.Select]
    apply: Callable[[int, datetime, RetentionRun], dict[str, int]]


@dataclass(frozen=True)
class RetentionRun:
    """What one run's steps are given: the configured days, and the Twilio client (or None
    without credentials) through which recordings are deleted."""

    days: int
    recordings: Any = None


def _tickets_due(cutoff: datetime) -> sa.Select:
    ended = sa.case((Ticket.status == TicketStatus.CLOSED.value, Ticket.closed_at), else_=Ticket.updated_at)
    return (
        sa.select(Ticket.id)
        .where(
            Ticket.status.in_([TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value]),
            Ticket.pseudonymised_at.is_(None),
            ended < cutoff,
        )
        .order_by(Ticket.id)
    )


def _pseudonymise_ticket(ticket_id: int, now: datetime, run: RetentionRun) -> dict[str, int]:
    ticket = db.session.get(Ticket, ticket_id)
    counts = _erase(ticket, RETAINED_GROUPS, run.recordings)
    ticket.pseudonymised_at = now
    record_event(ticket, "pseudonymise", actor=None, now=now, data={"fields": list(RETAINED_GROUPS)})
    return counts


# Append a step for another kind (closed children's files) to have the job handle it too.
STEPS: list[RetentionStep] = [RetentionStep("tickets", _tickets_due, _pseudonymise_ticket)]


def run_retention(
    at: datetime, *, days: int, recordings: Any = None, dry_run: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """Pseudonymise every record closed more than ``HOTLINE_RETENTION_DAYS`` before ``at``.

    One transaction per record: a run interrupted half-way can simply run again. With
    ``dry_run`` nothing changes; the counts say what would be done. ``recordings`` is the
    Twilio client (``hotline.intake.recordings.twilio_client``) or None without credentials."""
    run = RetentionRun(days, recordings)
    cutoff = at - timedelta(days=days)
    summary: dict[str, Any] = {"cutoff": cutoff, "dry_run": dry_run, "recordings": 0, "failed": 0}
    for step in STEPS:
        ids = list(db.session.scalars(step.due(cutoff)))
        summary[step.kind] = 0
        if dry_run:
            summary[step.kind] = len(ids)
            continue
        for record_id in ids:
            try:
                counts = step.apply(record_id, now or at, run)
                db.session.commit()
            except Exception:  # one record's failure must not stop the others; it is retried next run
                db.session.rollback()
                summary["failed"] += 1
                log.exception("retention: %s %s could not be pseudonymised", step.kind, record_id)
                continue
            summary[step.kind] += 1
            summary["recordings"] += counts.get("recordings", 0)
    return summary


def summary_line(summary: dict[str, Any]) -> str:
    kinds = ", ".join(f"{summary[s.kind]} {s.kind}" for s in STEPS)
    verb = "would pseudonymise" if summary["dry_run"] else "pseudonymised"
    line = f"retention: {verb} {kinds} closed before {summary['cutoff'].isoformat()}"
    if not summary["dry_run"]:
        line += f"; {summary['recordings']} recordings deleted; {summary['failed']} failed"
    return line
