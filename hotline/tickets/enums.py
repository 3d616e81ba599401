"""The closed vocabularies of a ticket's life, as ``StrEnum`` stored as lowercase strings.

The models declare their columns with these enums (``hotline.models._enum``), the transition
tables in ``lifecycle.py`` are written with them, and code compares against members rather
than string literals, so a typo is an ``AttributeError`` instead of a silent mismatch.

Extending: add a member here (a new assignment status ``withdrawn``, a new channel
``visit``...). Columns are ``VARCHAR`` without a database constraint, so a new member needs
no migration; then add its rows to the tables in ``lifecycle.py``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    LIAISON = "liaison"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Channel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    VOICEMAIL = "voicemail"
    WEB = "web"
    WALK_IN = "walk_in"
    VISIT = "visit"  # a referral from a street office's visit (帮扶转介, hotline.children)


class TicketStatus(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    AWAITING_VERIFICATION = "awaiting_verification"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class AssignmentStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"
    COMPLETED = "completed"
    # 撤回: taken off the ticket by the center (POST /assignments/<id>/withdraw, a re-dispatch
    # without it, a cancel); like RETURNED, the department no longer sees the ticket
    # (hotline.tracking.scoping), but it never asked, so it is not counted as a return.
    WITHDRAWN = "withdrawn"


class AssignmentRole(StrEnum):
    LEAD = "lead"
    ASSIST = "assist"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class MessageKind(StrEnum):
    DISPATCH = "dispatch"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    ALERT = "alert"
    REPLY = "reply"
    NOTICE = "notice"
    DIGEST = "digest"


class CallStatus(StrEnum):
    RINGING = "ringing"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    MISSED = "missed"
    CALLED_BACK = "called_back"


class DeadlineKind(StrEnum):
    """The two clocks an assignment runs against (签收 and 反馈)."""

    SIGN = "sign"
    FEEDBACK = "feedback"


class UrgencyCode(StrEnum):
    """The urgency codes the code itself gives a meaning to; the rest is reference data.

    ``NORMAL`` is the urgency whose deadlines a ticket without one is held to; ``EMERGENCY``
    is the code the shipped ``reference.toml`` marks as an emergency.
    """

    EMERGENCY = "emergency"
    NORMAL = "normal"


DEFAULT_URGENCY = UrgencyCode.NORMAL
