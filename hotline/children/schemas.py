"""Schemas of children's files and visits: bodies in (checked field by field, 422 naming each
bad field) and files out. Codes (streets, situations, services, protection types) are checked
against the reference data by the services, which every caller (API, pages, import) shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hotline.children import schedule
from hotline.children.schedule import FUTURE_SLACK_SECONDS
from hotline.codes import code_field, code_list
from hotline.dispatch.schemas import DESCRIPTION
from hotline.intake.schemas import StorableTextSchema
from hotline.tickets.enums import DEFAULT_URGENCY

NAME = validate.Length(min=1, max=100, error="须为 {min}–{max} 个字符 must be {min} to {max} characters")


def _codes(**kwargs: Any) -> ma.fields.List:  # the visit's services (children's settings)
    return ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), **kwargs)


def _interval() -> ma.fields.Integer:
    return ma.fields.Integer(
        validate=validate.Range(
            min=schedule.MIN_INTERVAL,
            max=schedule.MAX_INTERVAL,
            error="走访间隔须为 1–365 天 must be 1 to 365 days",
        ),
        metadata={"description": "days between visits; default by risk (high 7, medium 30, low 90)"},
    )


class GuardianSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=NAME)
    relation = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    phone = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class ChildFileCreateSchema(StorableTextSchema):
    name = ma.fields.String(required=True, validate=NAME)
    gender = ma.fields.String(load_default=None, allow_none=True, validate=validate.OneOf(schedule.GENDERS))
    birth_date = ma.fields.Date(load_default=None, allow_none=True)
    street = code_field("streets", required=True)
    address = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    situations = code_list(
        "subject_categories",
        required=True,
        validate=validate.Length(min=1, max=15, error="至少选择一种保护对象类别 at least one situation is required"),
    )
    guardians = ma.fields.List(ma.fields.Nested(GuardianSchema), load_default=list, validate=validate.Length(max=10))
    risk = ma.fields.String(required=True, validate=validate.OneOf(schedule.RISKS))
    visit_every_days = _interval()


class ChildFilePatchSchema(StorableTextSchema):
    name = ma.fields.String(validate=NAME)
    gender = ma.fields.String(allow_none=True, validate=validate.OneOf(schedule.GENDERS))
    birth_date = ma.fields.Date(allow_none=True)
    street = code_field("streets")
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))
    situations = code_list(
        "subject_categories",
        validate=validate.Length(min=1, max=15, error="至少选择一种保护对象类别 at least one situation is required"),
    )
    guardians = ma.fields.List(ma.fields.Nested(GuardianSchema), validate=validate.Length(max=10))
    risk = ma.fields.String(validate=validate.OneOf(schedule.RISKS))
    visit_every_days = _interval()

    @ma.validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("没有要修改的字段 nothing to change")


class ChildFileQuerySchema(ma.Schema):
    street = ma.fields.String(validate=validate.Length(min=1, max=64))
    situation = ma.fields.String(validate=validate.Length(min=1, max=64))
    risk = ma.fields.String(validate=validate.OneOf(schedule.RISKS))
    status = ma.fields.String(validate=validate.OneOf(schedule.FILE_STATES))
    visit_overdue = ma.fields.Boolean()
    q = ma.fields.String(validate=validate.Length(min=1, max=100))
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CloseSchema(StorableTextSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReferSchema(ma.Schema):
    protection_types = code_list(
        "protection_types",
        required=True,
        validate=validate.Length(min=1, max=10, error="至少选择一种保护类型 at least one protection type is required"),
    )
    description = ma.fields.String(required=True, validate=DESCRIPTION)
    urgency = code_field("urgencies", load_default=DEFAULT_URGENCY)


class VisitCreateSchema(StorableTextSchema):
    visited_at = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    kind = ma.fields.String(required=True, validate=validate.OneOf(schedule.VISIT_KINDS))
    findings = ma.fields.String(required=True, validate=validate.Length(min=1, max=5000))
    services = _codes(load_default=list, validate=validate.Length(max=10))
    refer = ma.fields.Nested(ReferSchema, load_default=None, allow_none=True)

    @ma.validates("visited_at")
    def _not_future(self, value: datetime, **kwargs: Any) -> None:
        # Checked here too (the service checks against its own ``now``) so a form shows it
        # beside the other fields' errors.
        if (value - datetime.now(UTC)).total_seconds() > FUTURE_SLACK_SECONDS:
            raise ma.ValidationError("走访时间不能在未来 a visit cannot be in the future")


class TicketChildSchema(StorableTextSchema):
    """``{"child_id": N}`` links the ticket to that file; ``{"create": true}`` opens one from the
    ticket's child fields (the fields given here complete or override them)."""

    child_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    create = ma.fields.Boolean()
    name = ma.fields.String(validate=NAME)
    gender = ma.fields.String(allow_none=True, validate=validate.OneOf(schedule.GENDERS))
    birth_date = ma.fields.Date(allow_none=True)
    situations = code_list("subject_categories", validate=validate.Length(min=1, max=15))
    risk = ma.fields.String(validate=validate.OneOf(schedule.RISKS))
    visit_every_days = _interval()

    @ma.validates_schema
    def _one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("child_id" in data) == bool(data.get("create")):
            raise ma.ValidationError("give child_id, or create: true", "child_id")


# --- out ---------------------------------------------------------------------------------------


class GuardianOutSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    relation = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)


class FileTicketSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    channel = ma.fields.String()
    urgency = ma.fields.String(allow_none=True)
    protection_types = ma.fields.List(ma.fields.String())
    created_at = ma.fields.AwareDateTime()


class VisitSchema(ma.Schema):
    id = ma.fields.Integer()
    child_id = ma.fields.Integer()
    visited_at = ma.fields.AwareDateTime()
    kind = ma.fields.String()
    findings = ma.fields.String()
    services = ma.fields.List(ma.fields.String())
    due_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "the visit deadline it answered"})
    on_time = ma.fields.Boolean(allow_none=True)
    referral_ticket_id = ma.fields.Integer(allow_none=True)
    by = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ChildEventSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    action = ma.fields.String()
    actor = ma.fields.String(allow_none=True)
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()


class ChildFileSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)
    gender = ma.fields.String(allow_none=True)
    birth_date = ma.fields.Date(allow_none=True)
    age = ma.fields.Integer(allow_none=True)
    street = ma.fields.String()
    bureau = ma.fields.String(metadata={"description": "the street office that owns the file"})
    address = ma.fields.String(allow_none=True)
    situations = ma.fields.List(ma.fields.String())
    guardians = ma.fields.List(ma.fields.Nested(GuardianOutSchema))
    risk = ma.fields.String()
    visit_every_days = ma.fields.Integer()
    last_visited_at = ma.fields.AwareDateTime(allow_none=True)
    next_visit_due_at = ma.fields.AwareDateTime(allow_none=True)
    visit_overdue = ma.fields.Boolean()
    escalation_level = ma.fields.Integer()
    status = ma.fields.String()
    close_reason = ma.fields.String(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    tickets = ma.fields.List(ma.fields.Nested(FileTicketSchema))


class ChildFileDetailSchema(ChildFileSchema):
    visits = ma.fields.List(ma.fields.Nested(VisitSchema))
    timeline = ma.fields.List(ma.fields.Nested(ChildEventSchema))


class ChildFileItemSchema(ChildFileSchema):
    class Meta:
        exclude = ("tickets",)  # a query per file: on the file itself only


class ChildFileListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ChildFileItemSchema))
    total = ma.fields.Integer()


class SuggestionsSchema(ma.Schema):
    child_id = ma.fields.Integer(allow_none=True, metadata={"description": "the file already linked, if any"})
    items = ma.fields.List(ma.fields.Nested(ChildFileItemSchema))


class VisitCreatedSchema(VisitSchema):
    next_visit_due_at = ma.fields.AwareDateTime(allow_none=True)
    referral_ticket_number = ma.fields.String(allow_none=True)
    referral_ticket_status = ma.fields.String(allow_none=True)


class SurveyUploadSchema(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class TemplateQuerySchema(ma.Schema):
    format = ma.fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class ImportResultSchema(ma.Schema):
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Dict(), metadata={"description": '[{"row","field","message"}]; row 1 = header'})
