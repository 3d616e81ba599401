"""Schemas of the overdue queue and of department contacts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app

PHONE = ma.validate.Regexp(r"^\+[1-9]\d{6,14}$", error="must be an E.164 number, e.g. +8613800000000")


class OverdueQuerySchema(ma.Schema):
    at = ma.fields.DateTime(metadata={"description": "what will be late by then (ISO 8601; no offset = local time)"})
    bureau = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    limit = ma.fields.Integer(load_default=1000, validate=ma.validate.Range(min=1, max=10000))

    @ma.post_load
    def _localise(self, data, **kwargs):
        at = data.get("at")
        if at is not None and at.tzinfo is None:
            data["at"] = at.replace(tzinfo=ZoneInfo(current_app.config["HOTLINE_TIMEZONE"]))
        return data


class OverdueItemSchema(ma.Schema):
    assignment_id = ma.fields.Integer()
    ticket_id = ma.fields.Integer()
    ticket_number = ma.fields.String(allow_none=True)
    bureau = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "sign|feedback: which deadline is late"})
    due_at = ma.fields.AwareDateTime()
    overdue_seconds = ma.fields.Integer()
    escalation_level = ma.fields.Integer(
        metadata={"description": "highest ladder level fired for this deadline; 0 = none yet"}
    )


class OverdueListSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(OverdueItemSchema))


class DepartmentContactsSchema(ma.Schema):
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    head_phones = ma.fields.List(ma.fields.String(validate=PHONE), validate=ma.validate.Length(max=20))
    liaison_phones = ma.fields.List(ma.fields.String(validate=PHONE), validate=ma.validate.Length(max=20))

    @ma.validates_schema
    def _something(self, data, **kwargs):
        if "head_phones" not in data and "liaison_phones" not in data:
            raise ma.ValidationError("give head_phones and/or liaison_phones", "head_phones")
