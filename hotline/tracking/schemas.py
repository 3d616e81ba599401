"""Tracking bodies in, and the ticket list, detail (with timeline), extensions and figures out.

Bodies refuse unknown fields (marshmallow's default RAISE: a 422 naming them). Text fields
are stripped and must not be empty where required.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from hotline.dispatch.schemas import AssignmentSchema, TicketSchema
from hotline.models import Channel
from hotline.tracking import lifecycle

TEXT = validate.Length(min=1, max=2000, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")
LONG_TEXT = validate.Length(min=1, max=5000, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")


class Text(ma.fields.String):
    """A string with surrounding blanks removed, so "   " is as empty as ""."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


# --- in ------------------------------------------------------------------------------------


class NoteSchema(ma.Schema):
    note = Text(required=True, validate=TEXT)


class OptionalNoteSchema(ma.Schema):
    note = Text(load_default=None, allow_none=True, validate=TEXT)


class ReasonSchema(ma.Schema):
    reason = Text(required=True, validate=TEXT)


class OptionalReasonSchema(ma.Schema):
    reason = Text(load_default=None, allow_none=True, validate=TEXT)


class RevisitSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(lifecycle.REVISIT_OUTCOMES))
    note = Text(load_default=None, allow_none=True, validate=TEXT)


class FeedbackCreateSchema(ma.Schema):
    summary = Text(required=True, validate=LONG_TEXT)
    final = ma.fields.Boolean(required=True)


DAYS = validate.Range(
    min=lifecycle.EXTENSION_MIN_DAYS,
    max=lifecycle.EXTENSION_MAX_DAYS,
    error="须为 {min}–{max} 天 must be {min} to {max} days",
)


class ExtensionCreateSchema(ma.Schema):
    days = ma.fields.Integer(required=True, strict=True, validate=DAYS)
    reason = Text(required=True, validate=TEXT)


class ExtensionApproveSchema(ma.Schema):
    """``days`` grants fewer days than requested (default: as requested)."""

    days = ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=DAYS)
    note = Text(load_default=None, allow_none=True, validate=TEXT)


class PageSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class TicketQuerySchema(PageSchema):
    status = ma.fields.String(validate=validate.OneOf(lifecycle.TICKET_STATES))
    bureau = ma.fields.String(validate=validate.Length(min=1, max=64))
    urgency = ma.fields.String(validate=validate.Length(min=1, max=32))
    protection_type = ma.fields.String(validate=validate.Length(min=1, max=64))
    channel = ma.fields.String(validate=validate.OneOf([c.value for c in Channel]))
    call_sid = ma.fields.String(validate=validate.Length(min=1, max=64))
    overdue = ma.fields.Boolean()
    view = ma.fields.String(
        validate=validate.OneOf(["pending", "due_soon", "overdue", "return_requested"]),
        metadata={
            "description": "A work list by the caller's assignments (a liaison's: their department's): "
            "pending = to sign for; due_soon = deadline within 24 h; overdue; return_requested. "
            "Soonest deadline first."
        },
    )


class ExtensionQuerySchema(PageSchema):
    status = ma.fields.String(validate=validate.OneOf(lifecycle.EXTENSION_STATES))


class StatsQuerySchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)

    @ma.validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("须不早于 from must not be before 'from'", "to")


# --- out -----------------------------------------------------------------------------------


class FeedbackItemSchema(ma.Schema):
    id = ma.fields.Integer()
    assignment_id = ma.fields.Integer()
    summary = ma.fields.String()
    final = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class FeedbackSchema(FeedbackItemSchema):
    """A feedback just given, with where its assignment and ticket now stand."""

    assignment_status = ma.fields.Function(lambda f: _assignment_of(f).status)
    ticket_status = ma.fields.Function(lambda f: _assignment_of(f).ticket.status)


def _assignment_of(feedback: Any) -> Any:
    from hotline.extensions import db
    from hotline.models import Assignment

    return db.session.get(Assignment, feedback.assignment_id)


class ExtensionItemSchema(ma.Schema):
    id = ma.fields.Integer()
    days = ma.fields.Integer()
    reason = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)


class ExtensionSchema(ExtensionItemSchema):
    assignment_id = ma.fields.Integer()
    ticket_id = ma.fields.Function(lambda e: e.assignment.ticket_id)
    bureau = ma.fields.Function(lambda e: e.assignment.bureau)
    feedback_due_at = ma.fields.Function(lambda e: e.assignment.feedback_due_at.isoformat())


class ExtensionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ExtensionSchema))
    total = ma.fields.Integer()


class AssignmentStepSchema(AssignmentSchema):
    """An assignment after a step, with where its ticket now stands."""

    ticket_status = ma.fields.Function(lambda a: a.ticket.status)


class AssignmentDetailSchema(AssignmentSchema):
    """In a ticket's detail: the department's feedback and extension requests (own department only
    for a liaison)."""

    feedback = ma.fields.List(ma.fields.Nested(FeedbackItemSchema))
    extensions = ma.fields.List(ma.fields.Nested(ExtensionItemSchema))


class TimelineItemSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True)
    at = ma.fields.AwareDateTime()
    action = ma.fields.String()
    actor = ma.fields.String(allow_none=True)
    actor_role = ma.fields.String(allow_none=True)
    assignment_id = ma.fields.Integer(allow_none=True)
    bureau = ma.fields.String(allow_none=True)
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    public_note = ma.fields.String(allow_none=True)


# A list item is the ticket without the child's and reporter's data and the description:
# the full record is read (and audited) only through the detail.
class StreetSchema(ma.Schema):
    street = ma.fields.String(allow_none=True)


class TicketSummarySchema(TicketSchema):
    location = ma.fields.Nested(StreetSchema)

    class Meta:
        # ``related`` (repeat reports) costs a query per ticket: it is on the detail only.
        exclude = ("description", "child", "reporter", "suggestion", "related")


class TicketListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TicketSummarySchema))
    total = ma.fields.Integer()


class TicketDetailSchema(TicketSchema):
    """The full ticket (as the caller may see it) with its timeline: every event in order, and
    for supervisors and admins every recorded read of the ticket (``action`` ``read``)."""

    assignments = ma.fields.List(ma.fields.Nested(AssignmentDetailSchema))
    timeline = ma.fields.List(ma.fields.Nested(TimelineItemSchema))
    cancel_reason = ma.fields.String(allow_none=True)

    @ma.pre_dump
    def _shape(self, ticket: Any, **kwargs: Any) -> dict[str, Any]:
        return TicketSchema._shape(self, ticket, **kwargs) | {
            "timeline": ticket.timeline,
            "cancel_reason": ticket.cancel_reason,
        }


class FigureSchema(ma.Schema):
    count = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True)
    of = ma.fields.Integer()


def _figures() -> dict[str, ma.fields.Field]:
    from hotline.tracking.stats import FIGURES

    return {name: ma.fields.Nested(FigureSchema) for name in FIGURES}


DepartmentFiguresSchema = ma.Schema.from_dict(
    {"bureau": ma.fields.String(), "name": ma.fields.String(), "name_en": ma.fields.String(), **_figures()},
    name="DepartmentFiguresSchema",
)
TotalFiguresSchema = ma.Schema.from_dict(_figures(), name="TotalFiguresSchema")


class StatsSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    timezone = ma.fields.String()
    as_of = ma.fields.AwareDateTime()
    departments = ma.fields.List(ma.fields.Nested(DepartmentFiguresSchema))
    total = ma.fields.Nested(TotalFiguresSchema)
