"""Ticket bodies in, tickets out, dispatch and rules.

The API bodies refuse unknown fields (422 naming them). Codes are checked against the
reference data in the database by ``hotline.dispatch.services.reference_errors``, called
from a schema validator so that one 422 names every bad field at once.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from hotline.intake.repeats import related_tickets
from hotline.models import Channel

CHANNELS = [c.value for c in Channel]
DESCRIPTION = validate.Length(min=10, max=5000, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")


# --- pieces of a report (the intake helper builds the public ReportCreateSchema from these) --


class LocationSchema(ma.Schema):
    street = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))


class ChildSchema(ma.Schema):
    name = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    age = ma.fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=17, error="年龄须在 0–17 岁 must be 0 to 17")
    )
    gender = ma.fields.String(allow_none=True, validate=validate.Length(max=16))


class ReporterSchema(ma.Schema):
    name = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=32))
    anonymous = ma.fields.Boolean(load_default=False)


def _codes(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), **kwargs)


class CodesCheckedSchema(ma.Schema):
    """Runs the reference-data check on whatever fields loaded, beside the field errors."""

    @ma.validates_schema(skip_on_field_errors=False, pass_original=True)
    def _known_codes(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        from hotline.dispatch.services import reference_errors

        # A list with a bad item loads only its good items, and its errors are keyed by item
        # index: check only lists that loaded whole, so one field never mixes both kinds.
        original = original if isinstance(original, dict) else {}
        checked = {
            name: value
            for name, value in data.items()
            if not isinstance(value, list)
            or (isinstance(original.get(name), list) and len(original[name]) == len(value))
        }
        errors = reference_errors(checked)
        if errors:
            raise ma.ValidationError(errors)


class TicketCreateSchema(CodesCheckedSchema):
    """An operator's ticket: a public report plus channel, call_sid, protection types and urgency."""

    description = ma.fields.String(required=True, validate=DESCRIPTION)
    location = ma.fields.Nested(LocationSchema, required=True)
    child = ma.fields.Nested(ChildSchema, load_default=dict)
    protection_types = _codes(
        required=True,
        validate=validate.Length(min=1, error="至少选择一种保护类型 at least one protection type is required"),
    )
    subject_categories = _codes(load_default=list)
    urgency = ma.fields.String(required=True)
    reporter = ma.fields.Nested(ReporterSchema, load_default=dict)
    channel = ma.fields.String(required=True, validate=validate.OneOf(CHANNELS))
    call_sid = ma.fields.String(allow_none=True, validate=validate.Length(max=64))


class PreviewSchema(TicketCreateSchema):
    """A ticket body to preview: every field optional (a draft), but what is given is checked."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class AssignmentRequestSchema(ma.Schema):
    bureau = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = ma.fields.String(required=True, validate=validate.OneOf(["lead", "assist"]))


class DispatchSchema(ma.Schema):
    """Manual dispatch: exactly these departments. An empty body (or list) means: by the rules."""

    assignments = ma.fields.List(ma.fields.Nested(AssignmentRequestSchema), load_default=None, allow_none=True)


# --- out -------------------------------------------------------------------------------------


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


def _related(ticket: Any) -> list[dict[str, Any]]:
    """Links as the reader may see them: a ticket view carries its own (scoped) list; a bare
    ticket is only ever answered to the center, which sees every link."""
    scoped = getattr(ticket, "related", None)
    return scoped if scoped is not None else related_tickets(ticket.id)


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
    location = ma.fields.Nested(LocationSchema)
    child = ma.fields.Nested(ChildSchema)
    reporter = ma.fields.Nested(ReporterSchema)
    description = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    assignments = ma.fields.List(ma.fields.Nested(AssignmentSchema))
    dispatch = ma.fields.Nested(DispatchInfoSchema)
    suggestion = ma.fields.Nested(DecisionSchema, allow_none=True)
    repeat_flag = ma.fields.Boolean()
    related = ma.fields.List(ma.fields.Nested(RelatedTicketSchema))
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


# --- rules -------------------------------------------------------------------------------------


class RulesSchema(ma.Schema):
    version = ma.fields.Integer()
    rules = ma.fields.List(ma.fields.Dict())
    created_at = ma.fields.AwareDateTime(allow_none=True)
    created_by = ma.fields.String(allow_none=True)


class RulesQuerySchema(ma.Schema):
    version = ma.fields.Integer(validate=validate.Range(min=1))


class RulesUpdateSchema(ma.Schema):
    """``{"rules": [...]}``; ``version`` (as GET returns it) is accepted and ignored, so a GET
    body can be edited and sent back; ``base_version`` asks for a 409 if the rules changed."""

    rules = ma.fields.List(ma.fields.Raw(), required=True)
    version = ma.fields.Raw(load_default=None)
    base_version = ma.fields.Integer(load_default=None, allow_none=True)
    created_at = ma.fields.Raw(load_default=None)
    created_by = ma.fields.Raw(load_default=None)


class RuleVersionSchema(ma.Schema):
    version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    created_by = ma.fields.String(allow_none=True)
    count = ma.fields.Integer()


class RuleVersionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RuleVersionSchema))
