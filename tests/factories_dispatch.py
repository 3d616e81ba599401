"""Ticket bodies and look-ups for the dispatch tests."""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Department, Message, Ticket, TicketEvent

CHILD_NAME = "李小明"
ADDRESS = "江源街道幸福路88号3单元"
REPORTER_PHONE = "+8613812345678"

BODY: dict[str, Any] = {
    "description": "邻居家的孩子长期无人照看，经常一个人在街上游荡到深夜。",
    "location": {"street": "jiangyuan", "address": ADDRESS},
    "child": {"name": CHILD_NAME, "age": 9, "gender": "male"},
    "protection_types": ["relief"],
    "subject_categories": ["street_child"],
    "urgency": "normal",
    "reporter": {"name": "王女士", "phone": REPORTER_PHONE, "anonymous": False},
    "channel": "phone",
}


def ticket_body(**overrides: Any) -> dict[str, Any]:
    """A valid operator body; keyword arguments replace top-level fields."""
    body = copy.deepcopy(BODY)
    body.update(overrides)
    return body


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> tuple[int, int, int]:
    return count(Ticket), count(TicketEvent), count(Message)


def messages(**filters: Any) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Message).filter_by(**filters).order_by(Message.id)))


def events(ticket_id: int) -> list[TicketEvent]:
    return list(db.session.scalars(sa.select(TicketEvent).filter_by(ticket_id=ticket_id).order_by(TicketEvent.id)))


def set_liaison_phones(code: str, *phones: str) -> None:
    department = db.session.scalar(sa.select(Department).filter_by(code=code))
    department.liaison_phones = list(phones)
    db.session.commit()
