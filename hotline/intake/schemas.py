"""Intake schemas: Twilio webhook forms in, public reports in and out, the call log out.

Webhook schemas drop fields they do not know (``unknown = EXCLUDE``): Twilio adds parameters
over time and a new one must never turn a call into an error.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

import hotline.bounds as bounds
from hotline.codes import code_field, code_list
from hotline.dispatch.schemas import DESCRIPTION, ChildSchema, CodesCheckedSchema, LocationSchema, ReporterSchema
from hotline.textguard import unstorable_text

SID = validate.Regexp(r"^[A-Za-z0-9_\-]{2,64}\Z", error="must be a Twilio SID")
DIGITS = validate.Regexp(r"^[0-9*#]{0,40}\Z", error="keypad digits only")


class StorableTextSchema(ma.Schema):
    """Refuses (422, naming the field) text a database cannot store, before anything else runs."""

    @ma.pre_load
    def _storable(self, data: Any, **kwargs: Any) -> Any:
        errors = unstorable_text(data) if isinstance(data, dict) else None
        if errors:
            raise ma.ValidationError(errors)
        return data


class WebhookSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _strip_nul(self, data: Any, **kwargs: Any) -> Any:
        # A form cannot carry lone surrogates (decoding replaces them), but %00 decodes to NUL.
        # Dropping it keeps a report that would otherwise be lost; Twilio never sends one.
        if hasattr(data, "items"):
            return {key: value.replace("\x00", "") if isinstance(value, str) else value for key, value in data.items()}
        return data

    From = ma.fields.String(load_default=None, validate=validate.Length(max=200))
    To = ma.fields.String(load_default=None, validate=validate.Length(max=200))


class CallWebhookSchema(WebhookSchema):
    CallSid = ma.fields.String(required=True, validate=SID)


class MenuWebhookSchema(CallWebhookSchema):
    Digits = ma.fields.String(load_default=None, validate=DIGITS)


class DialWebhookSchema(CallWebhookSchema):
    DialCallStatus = ma.fields.String(load_default=None, validate=validate.Length(max=32))


class LookupQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    # Not validated on purpose: a malformed code is a failed try (counted), not a 422.
    code = ma.fields.String(load_default="")


class RecordingWebhookSchema(CallWebhookSchema):
    RecordingSid = ma.fields.String(required=True, validate=SID)
    RecordingUrl = ma.fields.String(load_default=None, validate=validate.Length(max=500))
    RecordingDuration = ma.fields.Integer(load_default=None, validate=validate.Range(min=0, max=86400))


class CallStatusWebhookSchema(CallWebhookSchema):
    CallStatus = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    CallDuration = ma.fields.Integer(load_default=None, validate=validate.Range(min=0, max=86400 * 7))


class SmsWebhookSchema(WebhookSchema):
    MessageSid = ma.fields.String(required=True, validate=SID)
    From = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    Body = ma.fields.String(load_default="", validate=validate.Length(max=5000))


class SmsStatusWebhookSchema(WebhookSchema):
    MessageSid = ma.fields.String(required=True, validate=SID)
    MessageStatus = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))


# --- public reports -------------------------------------------------------------------------


class ReportCreateSchema(StorableTextSchema, CodesCheckedSchema):
    """A public report: what a member of the public can tell; unknown fields are refused."""

    description = ma.fields.String(required=True, validate=DESCRIPTION)
    location = ma.fields.Nested(LocationSchema, required=True)
    child = ma.fields.Nested(ChildSchema, load_default=dict)
    protection_types = code_list("protection_types", load_default=list, validate=validate.Length(max=10))
    subject_categories = code_list("subject_categories", load_default=list, validate=validate.Length(max=20))
    urgency = code_field("urgencies", load_default=None, allow_none=True)
    reporter = ma.fields.Nested(ReporterSchema, load_default=dict)


class ReportCreatedSchema(ma.Schema):
    tracking_code = ma.fields.String(metadata={"description": "10 digits"})
    secret = ma.fields.String(metadata={"description": "6 digits; shown once, stored only as a keyed hash"})
    status = ma.fields.String()


class ReportUpdateSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    status = ma.fields.String()
    note = ma.fields.String()


class ReportStatusSchema(ma.Schema):
    tracking_code = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String(metadata={"description": "the status in plain Chinese"})
    updates = ma.fields.List(ma.fields.Nested(ReportUpdateSchema))


class LocationPatchSchema(LocationSchema):
    street = code_field("streets")  # not required on a patch


class ReporterPatchSchema(ReporterSchema):
    anonymous = ma.fields.Boolean()  # no default: absent means unchanged


class TicketPatchSchema(StorableTextSchema, CodesCheckedSchema):
    """An operator completing a `new` ticket with what the caller could not give."""

    description = ma.fields.String(validate=DESCRIPTION)
    location = ma.fields.Nested(LocationPatchSchema)
    child = ma.fields.Nested(ChildSchema)
    protection_types = code_list(
        "protection_types",
        validate=validate.Length(min=1, max=10, error="至少选择一种保护类型 at least one protection type"),
    )
    subject_categories = code_list("subject_categories", validate=validate.Length(max=20))
    urgency = code_field("urgencies")
    reporter = ma.fields.Nested(ReporterPatchSchema)
    version = ma.fields.Integer(
        validate=validate.Range(min=0, max=bounds.MAX_ID),
        metadata={"description": "the version you edited; 409 if the ticket changed since"},
    )

    @ma.validates_schema
    def _not_empty(self, data, **kwargs) -> None:
        if not set(data) - {"version"}:
            raise ma.ValidationError("没有要修改的字段 nothing to change")


# --- the call log ---------------------------------------------------------------------------


class CallSchema(ma.Schema):
    call_sid = ma.fields.String()
    from_ = ma.fields.String(data_key="from", attribute="from", allow_none=True)
    to = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"description": "ringing|in_progress|completed|missed|called_back"})
    twilio_status = ma.fields.String(allow_none=True)
    menu_choice = ma.fields.String(allow_none=True)
    started_at = ma.fields.AwareDateTime()
    answered_at = ma.fields.AwareDateTime(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    duration = ma.fields.Integer(allow_none=True)
    recording_sid = ma.fields.String(allow_none=True)
    has_recording = ma.fields.Boolean(
        metadata={"description": "a voicemail: play it at GET /api/v1/tickets/<ticket_id>/recording"}
    )
    ticket_id = ma.fields.Integer(allow_none=True)
    called_back_at = ma.fields.AwareDateTime(allow_none=True)


class CallListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CallSchema))
    total = ma.fields.Integer()


class CallQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(["ringing", "in_progress", "completed", "missed", "called_back"]))
    page = bounds.page_field()
    per_page = bounds.per_page_field(100, 500)


class CallerTicketSchema(ma.Schema):
    """A caller's earlier ticket as the call screen lists it: no child or reporter details."""

    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    channel = ma.fields.String()
    status = ma.fields.String()
    urgency = ma.fields.String(allow_none=True)
    primary_protection_type = ma.fields.String(allow_none=True)
    protection_types = ma.fields.List(ma.fields.String())
    repeat_flag = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class CallContextSchema(ma.Schema):
    call = ma.fields.Nested(CallSchema)
    caller_identified = ma.fields.Boolean(metadata={"description": "false when the number was withheld"})
    tickets = ma.fields.List(ma.fields.Nested(CallerTicketSchema))
    calls = ma.fields.List(ma.fields.Nested(CallSchema))
