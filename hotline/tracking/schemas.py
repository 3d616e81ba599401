"""Tracking bodies in, and the ticket list, detail (with timeline), extensions and figures out.

Bodies refuse unknown fields (marshmallow's default RAISE: a 422 naming them). Text fields
are stripped and must not be empty where required.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

import hotline.bounds as bounds
from hotline.codes import code_field
from hotline.models import Channel
from hotline.tickets import lifecycle
from hotline.tickets.enums import AssignmentStatus

# A liaison's work lists (``GET /tickets?view=``): two are named after the assignment status they list.
WORK_VIEWS = (AssignmentStatus.PENDING, "due_soon", "overdue", AssignmentStatus.RETURN_REQUESTED)
TEXT = validate.Length(min=1, max=2000, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")
LONG_TEXT = validate.Length(min=1, max=5000, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")


# --- pieces of a ticket (the ticket bodies in hotline.dispatch.schemas reuse them) ------


class LocationSchema(ma.Schema):
    street = code_field("streets", required=True)
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))


class ChildSchema(ma.Schema):
    name = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    age = ma.fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=17, error="年龄须在 0–17 岁 must be 0 to 17")
    )
    gender = ma.fields.String(allow_none=True, validate=validate.Length(max=16))


REPORTER_PHONE_ERROR = (
    "电话号码格式有误，请填写11位手机号或带区号的固定电话 enter an 11-digit mobile or a landline with its area code"
)


class ReporterSchema(ma.Schema):
    name = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=32))
    anonymous = ma.fields.Boolean(load_default=False)

    @ma.post_load
    def _normal_phone(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """A plain 11-digit mobile is stored as +86…; anonymous keeps no number to check."""
        from hotline.phones import normalise_phone

        phone = data.get("phone")
        if phone and not data.get("anonymous"):
            normal = normalise_phone(phone)
            if normal is None:
                raise ma.ValidationError({"phone": [REPORTER_PHONE_ERROR]})
            data["phone"] = normal
        return data


# --- tickets out -------------------------------------------------------------------------------------


class AssignmentSchema(ma.Schema):
    id = ma.fields.Integer()
    ticket_id = ma.fields.Integer()
    bureau = ma.fields.String()
    role = ma.fields.String()
    status = ma.fields.String()
    sign_due_at = ma.fields.AwareDateTime()
    feedback_due_at = ma.fields.AwareDateTime()
    dispatched_at = ma.fields.AwareDateTime()
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    final_feedback_at = ma.fields.AwareDateTime(allow_none=True)
    returned_at = ma.fields.AwareDateTime(allow_none=True)
    return_reason = ma.fields.String(allow_none=True)
    return_count = ma.fields.Integer()
    extended_days = ma.fields.Integer()
    escalation_level = ma.fields.Integer()
    next_escalation_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()


class DispatchInfoSchema(ma.Schema):
    rule = ma.fields.String(allow_none=True)
    explanation = ma.fields.String(allow_none=True)
    rules_version = ma.fields.Integer(allow_none=True)


class SuggestedAssignmentSchema(ma.Schema):
    bureau = ma.fields.String()
    role = ma.fields.String()


class DecisionSchema(ma.Schema):
    """A dispatch preview (and a stored suggestion): what the rules would do and why."""

    assignments = ma.fields.List(ma.fields.Nested(SuggestedAssignmentSchema))
    rule = ma.fields.String(allow_none=True)
    explanation = ma.fields.String(allow_none=True)
    rules_version = ma.fields.Integer(allow_none=True)


class RelatedTicketSchema(ma.Schema):
    """A ticket linked as a possible repeat report (never merged automatically)."""

    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    channel = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    reason = ma.fields.String(metadata={"description": "child, address and/or reporter_phone, comma-separated"})
    linked_at = ma.fields.AwareDateTime()


class TicketLocationSchema(ma.Schema):
    """Where, as stored: an SMS or voicemail ticket has no street until an operator sets one."""

    street = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)


def _related(ticket: Any) -> list[dict[str, Any]]:
    """Links as the reader may see them: a ticket view carries its own (scoped) list; a bare
    ticket is only ever answered to the center, which sees every link (``Ticket.related``)."""
    return ticket.related or []


class TicketSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    tracking_code = ma.fields.String()
    channel = ma.fields.String()
    call_sid = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    urgency = ma.fields.String(allow_none=True)
    protection_types = ma.fields.List(ma.fields.String())
    subject_categories = ma.fields.List(ma.fields.String())
    location = ma.fields.Nested(TicketLocationSchema)
    child = ma.fields.Nested(ChildSchema)
    reporter = ma.fields.Nested(ReporterSchema)
    description = ma.fields.String(
        allow_none=True, metadata={"description": "null once removed (retention, redaction)"}
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    assignments = ma.fields.List(ma.fields.Nested(AssignmentSchema))
    dispatch = ma.fields.Nested(DispatchInfoSchema)
    suggestion = ma.fields.Nested(DecisionSchema, allow_none=True)
    repeat_flag = ma.fields.Boolean()
    related = ma.fields.List(ma.fields.Nested(RelatedTicketSchema))
    child_id = ma.fields.Integer(allow_none=True, metadata={"description": "the child's file (专项档案), if linked"})
    version = ma.fields.Integer()

    @ma.pre_dump
    def _shape(self, ticket: Any, **kwargs: Any) -> dict[str, Any]:
        """A Ticket row into the API's nested shape."""
        return {
            **{
                name: getattr(ticket, name)
                for name in (
                    "id",
                    "number",
                    "tracking_code",
                    "channel",
                    "call_sid",
                    "status",
                    "urgency",
                    "description",
                    "created_at",
                    "updated_at",
                    "closed_at",
                    "repeat_flag",
                    "version",
                    "assignments",
                    "child_id",
                )
            },
            "protection_types": list(ticket.protection_types or ()),
            "subject_categories": list(ticket.subject_categories or ()),
            "location": {"street": ticket.street_code, "address": ticket.address},
            "child": {"name": ticket.child_name, "age": ticket.child_age, "gender": ticket.child_gender},
            "reporter": {
                "name": ticket.reporter_name,
                "phone": ticket.reporter_phone,
                "anonymous": ticket.reporter_anonymous,
            },
            "dispatch": {
                "rule": ticket.dispatch_rule,
                "explanation": ticket.dispatch_explanation,
                "rules_version": ticket.rules_version,
            },
            "suggestion": ticket.dispatch_suggestion,
            "related": _related(ticket) if "related" in self.dump_fields else [],
        }


class TicketCreatedSchema(TicketSchema):
    """The operator's create answer also carries the reporter's 6-digit secret, shown once."""

    secret = ma.fields.String()

    @ma.pre_dump
    def _shape(self, created: Any, **kwargs: Any) -> dict[str, Any]:
        """``{"ticket": Ticket, "secret": "123456"}`` as create_ticket's caller has it."""
        return TicketSchema._shape(self, created["ticket"]) | {"secret": created["secret"]}


# --- tracking bodies in -------------------------------------------------------------------


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
    on_behalf = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "代反馈: a supervisor records feedback the department gave by phone or on paper "
            "(supervisors only, and they must say so)."
        },
    )


class NoteCreateSchema(ma.Schema):
    body = Text(required=True, validate=LONG_TEXT)


class CorrectionSchema(ma.Schema):
    summary = Text(required=True, validate=LONG_TEXT)


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
    page = bounds.page_field()
    per_page = bounds.per_page_field(50, 200)


class TicketQuerySchema(PageSchema):
    status = ma.fields.String(validate=validate.OneOf(lifecycle.TICKET_STATES))
    bureau = ma.fields.String(validate=validate.Length(min=1, max=64))
    urgency = ma.fields.String(validate=validate.Length(min=1, max=32))
    protection_type = ma.fields.String(validate=validate.Length(min=1, max=64))
    channel = ma.fields.String(validate=validate.OneOf([c.value for c in Channel]))
    call_sid = ma.fields.String(validate=validate.Length(min=1, max=64))
    overdue = ma.fields.Boolean()
    q = Text(
        validate=validate.Length(min=1, max=100, error="须为 {min}–{max} 个字符 must be {min} to {max} characters"),
        metadata={
            "description": "Search: ticket number, tracking code, reporter phone, child's name or address "
            "(personal fields only on tickets where the caller sees them)."
        },
    )
    view = ma.fields.String(
        validate=validate.OneOf(WORK_VIEWS),
        metadata={
            "description": "A work list by the caller's assignments (a liaison's: their department's): "
            "pending = to sign for; due_soon = deadline within 24 h; overdue; return_requested. "
            "Soonest deadline first."
        },
    )


class ExtensionQuerySchema(PageSchema):
    status = ma.fields.String(validate=validate.OneOf(lifecycle.EXTENSION_STATES))


class FeedbackItemSchema(ma.Schema):
    id = ma.fields.Integer()
    assignment_id = ma.fields.Integer()
    summary = ma.fields.String()
    final = ma.fields.Boolean()
    on_behalf = ma.fields.Boolean(metadata={"description": "代反馈: recorded by `author` for the department"})
    author = ma.fields.Function(lambda f: f.author.username if f.author else None, allow_none=True)
    created_at = ma.fields.AwareDateTime()


class NoteItemSchema(ma.Schema):
    id = ma.fields.Integer()
    author = ma.fields.Function(lambda n: n.author.username)
    bureau = ma.fields.Function(
        lambda n: n.department.code if n.department else None,
        allow_none=True,
        metadata={"description": "The author's department; null for the center"},
    )
    body = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class AttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String(metadata={"description": "image/jpeg, image/png or application/pdf"})
    size = ma.fields.Integer(metadata={"description": "bytes"})
    created_at = ma.fields.AwareDateTime()
    author = ma.fields.Function(lambda a: a.author.username)
    bureau = ma.fields.Function(lambda a: a.department.code if a.department else None, allow_none=True)


class FeedbackSchema(FeedbackItemSchema):
    """A feedback just given, with where its assignment and ticket now stand."""

    assignment_status = ma.fields.Function(lambda f: f.assignment.status)
    ticket_status = ma.fields.Function(lambda f: f.assignment.ticket.status)


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
    unread_notes = ma.fields.Integer(metadata={"description": "Notes by others the caller has not seen yet"})

    @ma.pre_dump
    def _shape(self, ticket: Any, **kwargs: Any) -> dict[str, Any]:
        return TicketSchema._shape(self, ticket, **kwargs) | {"unread_notes": getattr(ticket, "unread_notes", 0)}

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
    notes = ma.fields.List(ma.fields.Nested(NoteItemSchema), metadata={"description": "Staff notes, oldest first"})
    attachments = ma.fields.List(
        ma.fields.Nested(AttachmentSchema), metadata={"description": "Files; read each at /api/v1/attachments/<id>"}
    )

    @ma.pre_dump
    def _shape(self, ticket: Any, **kwargs: Any) -> dict[str, Any]:
        return TicketSchema._shape(self, ticket, **kwargs) | {
            "timeline": ticket.timeline,
            "cancel_reason": ticket.cancel_reason,
            "notes": ticket.notes,
            "attachments": ticket.attachments,
        }
