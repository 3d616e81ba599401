"""Repeat reports: a new ticket about a child, address or reporter already known is linked.

One child is often reported many times, by different people and through different channels.
A new ticket is linked (``TicketLink``) to every open ticket, and every ticket from the last
90 days, that names the same child (same name, with the age or street agreeing), the same
address, or comes from the same reporter phone, and is flagged (``repeat_flag``) so the
operator sees it in triage. Tickets are never merged automatically: a person decides.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Ticket, TicketLink, TicketStatus
from hotline.tracking.transitions import record_event

WINDOW = timedelta(days=90)
MAX_LINKS = 20
CLOSED = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)
# What people type when they do not know: never evidence that two reports are about one child.
PLACEHOLDERS = frozenset({"不详", "未知", "不知道", "无", "没有", "匿名", "unknown", "n/a", "na", "none", "-", "?"})
# Twilio's stand-ins for a withheld or unknown caller id.
WITHHELD = frozenset({"266696687", "7378742833", "2562533", "8656696", "86282452253"})
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
PHONE_TAIL = 11  # a mainland mobile number; "+86 138..." and "138..." compare equal


def normal_text(value: str | None, minimum: int = 2) -> str | None:
    """Case, width, spaces and punctuation folded away; None when too short or a placeholder."""
    if not value:
        return None
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", value)).casefold()
    if len(text) < minimum or text in PLACEHOLDERS:
        return None
    return text


def normal_phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) < 7 or digits in WITHHELD:
        return None
    return digits[-PHONE_TAIL:]


def match_reasons(new: Ticket, old: Ticket) -> list[str]:
    """Why ``old`` looks like the same case as ``new`` (empty: it does not)."""
    reasons = []
    name = normal_text(new.child_name)
    if name and name == normal_text(old.child_name):
        ages = new.child_age is not None and old.child_age is not None
        streets = bool(new.street_code and old.street_code)
        ages_agree = ages and abs(new.child_age - old.child_age) <= 1
        streets_agree = streets and new.street_code == old.street_code
        contradicted = (ages and not ages_agree) or (streets and not streets_agree)
        if (ages_agree or streets_agree) and not contradicted:
            reasons.append("child")
    address = normal_text(new.address, minimum=4)
    if address and address == normal_text(old.address, minimum=4):
        if not (new.street_code and old.street_code and new.street_code != old.street_code):
            reasons.append("address")
    phone = normal_phone(new.reporter_phone)
    if phone and phone == normal_phone(old.reporter_phone):
        reasons.append("reporter_phone")
    return reasons


def match_keys(ticket: Ticket) -> None:
    """Store the normalised child name, address and reporter phone the look-up compares."""
    ticket.child_key = normal_text(ticket.child_name)
    ticket.address_key = normal_text(ticket.address, minimum=4)
    ticket.phone_key = normal_phone(ticket.reporter_phone)


def _candidates(ticket: Ticket, now: datetime) -> list[Ticket]:
    """Earlier open or recent tickets sharing a key: index look-ups, the final check is match_reasons."""
    conditions = [
        column == value
        for column, value in (
            (Ticket.child_key, ticket.child_key),
            (Ticket.address_key, ticket.address_key),
            (Ticket.phone_key, ticket.phone_key),
        )
        if value
    ]
    if not conditions:
        return []
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.id != ticket.id,
                sa.or_(Ticket.status.not_in(CLOSED), Ticket.created_at >= now - WINDOW),
                sa.or_(*conditions),
            )
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(100)
        )
    )


def link_repeats(ticket: Ticket, now: datetime) -> list[TicketLink]:
    """Link ``ticket`` to the earlier tickets it repeats; flag it. In the caller's transaction.

    Safe to call again after the ticket is edited: pairs already linked (either way) are kept.
    """
    match_keys(ticket)
    if ticket.id is None:
        db.session.flush()
    existing = {
        a if b == ticket.id else b
        for a, b in db.session.execute(
            sa.select(TicketLink.ticket_id, TicketLink.related_ticket_id).where(
                sa.or_(TicketLink.ticket_id == ticket.id, TicketLink.related_ticket_id == ticket.id)
            )
        )
    }
    created = []
    for other in _candidates(ticket, now):
        if len(existing) + len(created) >= MAX_LINKS:
            break
        if other.id in existing:
            continue
        reasons = match_reasons(ticket, other)
        if not reasons:
            continue
        link = TicketLink(ticket_id=ticket.id, related_ticket_id=other.id, reason=",".join(reasons), created_at=now)
        db.session.add(link)
        created.append(link)
    if created:
        ticket.repeat_flag = True
        record_event(
            ticket,
            "repeat.linked",
            actor=None,
            now=now,
            data={"related": [{"ticket_id": link.related_ticket_id, "reason": link.reason} for link in created]},
        )
    return created
