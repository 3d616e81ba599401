"""Test data built directly with the models (no dispatch rules, no SMS): tickets with chosen
departments, roles, statuses and times, for tests that need a hand-made history.

Deadlines follow the urgency's reference policy from ``dispatched_at`` unless given.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.auth.passwords import hash_password, hash_token, new_token
from hotline.extensions import db
from hotline.models import ApiToken, Assignment, Department, ReferenceCode, Ticket, User
from hotline.tickets.calendar import due_at
from tests.conftest import Api

_numbers = itertools.count(1)


def department(code: str) -> Department:
    return db.session.scalar(sa.select(Department).filter_by(code=code))


def policy(urgency: str) -> dict:
    return db.session.scalar(sa.select(ReferenceCode).filter_by(kind="urgency", code=urgency)).data


def make_ticket(
    assignments: Iterable[tuple[str, str] | tuple[str, str, str]] = (("civil_affairs", "lead"),),
    *,
    status: str | None = None,
    urgency: str = "normal",
    at: datetime | None = None,
    protection_types: tuple[str, ...] = ("relief",),
    channel: str = "phone",
    call_sid: str | None = None,
    street: str = "jiangyuan",
    child_name: str = "小明",
    address: str = "幸福路1号",
    reporter_name: str | None = "王女士",
    reporter_phone: str | None = "+8613811112222",
    anonymous: bool = False,
    description: str = "孩子长期无人照看，需要帮助。",
) -> Ticket:
    """A ticket dispatched at ``at`` to ``assignments`` = ``(bureau, role[, status])``.

    The ticket's status defaults to ``dispatched`` (``new`` without assignments,
    ``in_progress`` when an assignment is given as accepted).
    """
    at = at or datetime.now(UTC)
    wanted = [tuple(a) + (("pending",) if len(a) == 2 else ()) for a in assignments]
    if status is None:
        status = "new" if not wanted else ("in_progress" if any(s != "pending" for _, _, s in wanted) else "dispatched")
    n = next(_numbers)
    ticket = Ticket(
        number=f"T{n:06d}",
        tracking_code=f"{n:010d}",
        secret_hash="x" * 64,
        channel=channel,
        call_sid=call_sid,
        status=status,
        urgency=urgency,
        primary_protection_type=protection_types[0],
        protection_types=list(protection_types),
        subject_categories=[],
        description=description,
        street_code=street,
        address=address,
        child_name=child_name,
        child_age=9,
        child_gender="male",
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_anonymous=anonymous,
        created_at=at,
        updated_at=at,
    )
    db.session.add(ticket)
    rules = policy(urgency)
    for code, role, state in wanted:
        db.session.add(
            Assignment(
                ticket=ticket,
                department=department(code),
                role=role,
                status=state,
                dispatched_at=at,
                created_at=at,
                sign_due_at=due_at(at, rules["sign"]),
                feedback_due_at=due_at(at, rules["feedback"]),
                accepted_at=at if state in ("accepted", "completed") else None,
            )
        )
    db.session.commit()
    return ticket


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(username=username))


@functools.cache
def _password_hash() -> str:
    return hash_password("secret-pw-long")


def staff(client, role: str, bureau: str | None = None, phone: str | None = None, username: str | None = None):
    """A user with a bearer token, without paying for two password hashes per user: ``(user, api)``."""
    n = next(_numbers)
    account = User(
        username=username or f"{role}-{n}",
        role=role,
        department=department(bureau) if bureau else None,
        phone=phone,
        password_hash=_password_hash(),
    )
    db.session.add(account)
    db.session.flush()
    token = new_token()
    now = datetime.now(UTC)
    db.session.add(
        ApiToken(user_id=account.id, token_hash=hash_token(token), created_at=now, expires_at=now + timedelta(hours=1))
    )
    db.session.commit()
    return account, Api(client, token)
