"""The data model: typed SQLAlchemy 2 models shared by every area.

Deadlines are stored as columns (``sign_due_at``, ``feedback_due_at``) together with an
indexed ``next_escalation_at`` so the overdue chaser is an index range scan. Rows that
change state carry a ``version`` for optimistic locking. External ids (Twilio SIDs) and
tracking codes are unique, which is what makes webhook retries idempotent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from hotline.extensions import db
from hotline.tickets.enums import (
    AssignmentRole,
    AssignmentStatus,
    CallStatus,
    Channel,
    ExtensionStatus,
    MessageKind,
    MessageStatus,
    Role,
    TicketStatus,
)

__all__ = [
    "AssignmentRole",
    "AssignmentStatus",
    "CallStatus",
    "Channel",
    "ExtensionStatus",
    "MessageKind",
    "MessageStatus",
    "Role",
    "TicketStatus",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _enum(enum: type[StrEnum], length: int = 32) -> sa.Enum:
    """A column of ``enum``: loaded as its members, stored as plain lowercase strings.

    ``native_enum=False`` and no CHECK constraint keep the column a ``VARCHAR`` readable in
    SQL, so adding a member in ``hotline.tickets.enums`` needs no migration; an unknown value
    is refused when written (``validate_strings``) rather than stored.
    """
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(32))  # center|leading_group|bureau|street
    street_code: Mapped[str | None] = mapped_column(sa.String(64))
    liaison_phones: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    head_phones: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class Street(db.Model):
    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)


class ReferenceCode(db.Model):
    """Protection types, subject categories and urgencies: small code lists kept as data."""

    __tablename__ = "reference_codes"
    __table_args__ = (sa.UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class Setting(db.Model):
    """Named JSON settings kept as data (the escalation ladder, for one)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    full_name: Mapped[str | None] = mapped_column(sa.String(100))  # 姓名, shown to colleagues
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every web session's id: raising it (sign-out, disable) ends all of the user's
    # web sessions at once, on the server, whatever copies of the cookie exist.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()

    @property
    def bureau(self) -> str | None:
        return self.department.code if self.department else None

    # Flask-Login protocol (the web pages share this model with the API).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session's user id: ``"<id>:<session_epoch>"`` (see ``session_epoch``)."""
        return f"{self.id}:{self.session_epoch}"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RuleSet(db.Model):
    """Every version of the dispatch rules is kept; the highest version is in force."""

    __tablename__ = "rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(db.Model):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    tracking_code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[Channel] = mapped_column(_enum(Channel), index=True)
    call_sid: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    recording_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    recording_url: Mapped[str | None] = mapped_column(sa.String(500))
    message_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), index=True)
    urgency: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    primary_protection_type: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    protection_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    subject_categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text)
    street_code: Mapped[str | None] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    child_name: Mapped[str | None] = mapped_column(sa.String(100))
    child_age: Mapped[int | None]
    child_gender: Mapped[str | None] = mapped_column(sa.String(16))
    reporter_name: Mapped[str | None] = mapped_column(sa.String(100))
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    reporter_anonymous: Mapped[bool] = mapped_column(default=False)
    dispatch_rule: Mapped[str | None] = mapped_column(sa.String(200))
    dispatch_explanation: Mapped[str | None] = mapped_column(sa.Text)
    dispatch_suggestion: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    rules_version: Mapped[int | None]
    # The sign-for and feedback policies applied at dispatch (the urgency's, or the matching
    # rule's own for it): a reopen and extension days follow the same policies.
    deadline_policy: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    repeat_flag: Mapped[bool] = mapped_column(default=False)
    # Normalised match keys for repeat reports (hotline.intake.repeats.match_keys), indexed so
    # finding earlier reports about the same child, address or reporter is an index look-up.
    child_key: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    address_key: Mapped[str | None] = mapped_column(sa.String(500), index=True)
    phone_key: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The child's file (专项档案), linked by a person (never automatically) or by a visit's referral.
    child_id: Mapped[int | None] = mapped_column(sa.ForeignKey("child_files.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the retention job (hotline.retention) once the personal fields are removed.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="ticket", order_by="Assignment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(back_populates="ticket", order_by="TicketEvent.id", viewonly=True)
    # Repeat-report links either way (read only: hotline.intake.repeats writes TicketLink rows).
    links_out: Mapped[list[TicketLink]] = relationship(foreign_keys="TicketLink.ticket_id", viewonly=True)
    links_in: Mapped[list[TicketLink]] = relationship(foreign_keys="TicketLink.related_ticket_id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def related(self) -> list[dict[str, Any]]:
        """Every ticket linked to this one, either way, newest first: what the center sees
        (a reader's own view is narrowed by ``hotline.tracking.related.related_tickets``)."""
        pairs = [(link.related_ticket, link) for link in self.links_out]
        pairs += [(link.ticket, link) for link in self.links_in]
        pairs.sort(key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
        return [
            {
                "id": other.id,
                "number": other.number,
                "status": other.status,
                "channel": other.channel,
                "created_at": other.created_at,
                "reason": link.reason,
                "linked_at": link.created_at,
            }
            for other, link in pairs
        ]


class TicketLink(db.Model):
    """A repeat report linked to an earlier ticket (never merged automatically)."""

    __tablename__ = "ticket_links"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "related_ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    related_ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id], viewonly=True, lazy="joined")
    related_ticket: Mapped[Ticket] = relationship(foreign_keys=[related_ticket_id], viewonly=True, lazy="joined")


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (
        sa.Index("ix_assignments_department_status", "department_id", "status"),
        # The overdue queue: one index range per watched status and deadline.
        sa.Index("ix_assignments_status_sign_due_at", "status", "sign_due_at"),
        sa.Index("ix_assignments_status_feedback_due_at", "status", "feedback_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    role: Mapped[AssignmentRole] = mapped_column(_enum(AssignmentRole))
    status: Mapped[AssignmentStatus] = mapped_column(_enum(AssignmentStatus))
    status_before_return: Mapped[AssignmentStatus | None] = mapped_column(_enum(AssignmentStatus))
    sign_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    feedback_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    return_count: Mapped[int] = mapped_column(default=0)
    extended_days: Mapped[int] = mapped_column(default=0)
    # The next moment the chaser must look at this row; NULL once nothing is left to chase.
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalation_level: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")
    department: Mapped[Department] = relationship()
    feedback: Mapped[list[Feedback]] = relationship(order_by="Feedback.id", viewonly=True)
    extensions: Mapped[list[Extension]] = relationship(order_by="Extension.id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def bureau(self) -> str:
        return self.department.code


class Feedback(db.Model):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(sa.Text)
    final: Mapped[bool] = mapped_column(default=False)
    # 代反馈: a supervisor recorded what the department reported by phone or on paper.
    on_behalf: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(viewonly=True)
    assignment: Mapped[Assignment] = relationship(viewonly=True)


class Extension(db.Model):
    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ExtensionStatus] = mapped_column(_enum(ExtensionStatus), default=ExtensionStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    assignment: Mapped[Assignment] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class Revisit(db.Model):
    __tablename__ = "revisits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str | None] = mapped_column(sa.Text)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(db.Model):
    """Append-only history of a ticket: no code path updates or deletes a row."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Plain-Chinese text shown to the reporter by the public look-up; NULL = internal only.
    public_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events", viewonly=True)
    actor: Mapped[User | None] = relationship(viewonly=True)


class AccessLog(db.Model):
    """Every staff read of a child's personal data: a ticket's personal fields or a child's file.

    Append-only, enforced twice: the ORM refuses changes (hotline.tracking.transitions) and the
    database itself refuses UPDATE and DELETE (triggers: hotline.audit.append_only). Rows are
    written only through ``hotline.audit.record_access``.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The reader's role at the time of the read (a user's role may change later).
    role: Mapped[str | None] = mapped_column(sa.String(32))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    # A child's file (hotline.children); the foreign key comes with that table.
    child_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    via: Mapped[str] = mapped_column(sa.String(32), default="api")
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(viewonly=True)


class Call(db.Model):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    from_number: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    to_number: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[CallStatus] = mapped_column(_enum(CallStatus), index=True)
    twilio_status: Mapped[str | None] = mapped_column(sa.String(32))
    menu_choice: Mapped[str | None] = mapped_column(sa.String(8))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When an on-duty operator picked up the dialled leg; NULL = no person answered (a missed call).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[int | None]
    recording_sid: Mapped[str | None] = mapped_column(sa.String(64))
    recording_url: Mapped[str | None] = mapped_column(sa.String(500))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    lookup_attempts: Mapped[int] = mapped_column(default=0)
    called_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_back_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Message(db.Model):
    """The notification outbox: written in the same transaction as the change it reports."""

    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(32), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus), default=MessageStatus.QUEUED)
    provider: Mapped[str | None] = mapped_column(sa.String(16))
    provider_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    emergency: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # Quiet hours: a non-emergency message is not sent before this moment.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sender's lease on the row: a second job for the same row waits it out, never sends twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EscalationStep(db.Model):
    """One rung of the ladder fired for one deadline: the unique key makes it fire once."""

    __tablename__ = "escalation_steps"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "deadline_kind", "due_at", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    deadline_kind: Mapped[str] = mapped_column(sa.String(16))  # sign|feedback
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[int]  # 0 = reminder before due, 1..3 = escalation levels
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestRun(db.Model):
    """One row per local date: the supervisors' daily digest goes out once a day, however
    many schedulers or workers ask for it."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    overdue: Mapped[int] = mapped_column(default=0)
    messages: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Note(db.Model):
    """A staff note on a ticket (会商/协调意见): seen by the center and every department that
    currently sees the ticket, never by the public."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The author's department when written (NULL: the center), kept even if the user moves.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(viewonly=True)
    department: Mapped[Department | None] = relationship(viewonly=True)


class Attachment(db.Model):
    """A file on a ticket (photo, scanned visit record, 回执), kept in the database so every web
    process serves it; ``data`` is deferred so listing attachments never loads the bytes."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(viewonly=True)
    department: Mapped[Department | None] = relationship(viewonly=True)


class NoteRead(db.Model):
    """When a user last opened a ticket's notes: what makes a newer note "new" for them."""

    __tablename__ = "note_reads"
    __table_args__ = (sa.UniqueConstraint("user_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
