"""The tables of children's files and visits.

A file's ``next_visit_due_at`` is the deadline the street office works to; ``next_escalation_at``
is when the chaser must next look at the file (indexed, like an assignment's), so a chaser
pass costs what is due. ``match_key`` (name + birth date + street, normalised) is what makes
a second import of the same survey sheet update instead of duplicate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models import User, UTCDateTime, utcnow


class ChildFile(db.Model):
    __tablename__ = "child_files"
    __table_args__ = (sa.Index("ix_child_files_street_status", "street_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(16))
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    street_code: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    situations: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    guardians: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    findings_note: Mapped[str | None] = mapped_column(sa.Text)  # free notes kept with the file
    risk: Mapped[str] = mapped_column(sa.String(16))
    visit_every_days: Mapped[int]
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_visit_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The chaser's next look at this file (NULL: nothing to chase: closed, or its ladder done).
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalation_level: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    close_reason: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    match_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    visits: Mapped[list[Visit]] = relationship(
        back_populates="child", order_by="Visit.visited_at.desc(), Visit.id.desc()", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def bureau(self) -> str:
        return "street:" + self.street_code


class Visit(db.Model):
    """One visit (走访/回访) by the street office; ``due_at`` is the deadline it answered."""

    __tablename__ = "child_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("child_files.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    findings: Mapped[str] = mapped_column(sa.Text)
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    street_code: Mapped[str] = mapped_column(sa.String(64))
    referral_ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    child: Mapped[ChildFile] = relationship(back_populates="visits", viewonly=True)
    by: Mapped[User | None] = relationship(viewonly=True)


class ChildEvent(db.Model):
    """Append-only history of a file (opened, changed, visited, linked, chased, closed)."""

    __tablename__ = "child_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("child_files.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str | None] = mapped_column(sa.String(16))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(viewonly=True)


class VisitEscalationStep(db.Model):
    """One rung of the ladder fired for one visit deadline: the unique key makes it fire once."""

    __tablename__ = "visit_escalation_steps"
    __table_args__ = (sa.UniqueConstraint("child_id", "due_at", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("child_files.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[int]
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
