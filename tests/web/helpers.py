"""Data for the page tests, made through the same services the pages call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.extensions import db
from hotline.intake.tickets import create_ticket
from hotline.models import User
from hotline.settings import current_settings

REPORT = {
    "description": "一个八岁左右的孩子连续几天独自在车站附近流浪，衣着单薄。",
    "location": {"street": "jiangyuan", "address": "江源街道火车站广场"},
    "child": {"name": "小明", "age": 8, "gender": "male"},
    "protection_types": ["relief"],
    "urgency": "normal",
    "reporter": {"name": "王女士", "phone": "+8613800000009"},
}


def make_ticket(
    operator: User, *, now: datetime | None = None, channel: str = "phone", auto_dispatch: bool = True, **changes: Any
):
    """A ticket registered by ``operator`` (dispatched by the default rules unless told otherwise)."""
    data = {**REPORT, **changes}
    ticket, secret = create_ticket(
        data,
        channel=channel,
        actor=operator,
        now=now or datetime.now(UTC),
        auto_dispatch=auto_dispatch,
        settings=current_settings(),
    )
    return ticket, secret


def user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalars(db.select(User).filter_by(username=username)).one()


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def ensure_user(username: str, role: str, bureau: str | None = None) -> User:
    from hotline.auth.services import create_user

    found = db.session.scalars(db.select(User).filter_by(username=username)).first()
    return found or create_user(username, role, "secret-pw-long", bureau=bureau)


def judicial_ticket(now: datetime | None = None, **changes: Any):
    """A ticket the default rules give to one department only (public security leads judicial)."""
    operator = ensure_user("walk-op", "operator")
    return make_ticket(operator, now=now, protection_types=["judicial"], **changes)[0]


def to_awaiting_verification(ticket, now: datetime | None = None):
    from hotline.tracking.services import accept_assignment, add_feedback

    liaison = ensure_user("walk-li", "liaison", bureau="public_security")
    now = now or datetime.now(UTC)
    for assignment in ticket.assignments:
        accept_assignment(assignment.id, actor=liaison, now=now, settings=current_settings())
        add_feedback(assignment.id, "已联系家长并报警处理。", True, actor=liaison, now=now, settings=current_settings())
    db.session.expire_all()
    return db.session.get(type(ticket), ticket.id)


def walk_to_closed(now: datetime | None = None):
    from hotline.tracking.services import close_ticket

    ticket = to_awaiting_verification(judicial_ticket(now), now)
    supervisor = ensure_user("walk-sup", "supervisor")
    close_ticket(ticket.id, "核实无误", actor=supervisor, now=now or datetime.now(UTC), settings=current_settings())
    db.session.expire_all()
    return db.session.get(type(ticket), ticket.id)
