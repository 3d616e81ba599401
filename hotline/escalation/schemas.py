"""Schemas of the overdue queue and of department contacts."""

from __future__ import annotations

import marshmallow as ma

import hotline.bounds as bounds

PHONE = ma.validate.Regexp(r"^\+[1-9]\d{6,14}$", error="must be an E.164 number, e.g. +8613800000000")


class OverdueQuerySchema(ma.Schema):
    at = bounds.DateTime(metadata={"description": "what will be late by then (ISO 8601; no offset = local time)"})
    bureau = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    limit = ma.fields.Integer(load_default=1000, validate=ma.validate.Range(min=1, max=10000))


class OverdueItemSchema(ma.Schema):
    assignment_id = ma.fields.Integer(allow_none=True, metadata={"description": "null for a late visit"})
    ticket_id = ma.fields.Integer(allow_none=True)
    ticket_number = ma.fields.String(allow_none=True)
    child_id = ma.fields.Integer(metadata={"description": "a late visit's child file (kind visit only)"})
    child_number = ma.fields.String(metadata={"description": "a late visit's file number (kind visit only)"})
    bureau = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "sign|feedback: which deadline is late; visit: a child's visit"})
    due_at = ma.fields.AwareDateTime()
    overdue_seconds = ma.fields.Integer()
    escalation_level = ma.fields.Integer(
        metadata={"description": "highest ladder level fired for this deadline; 0 = none yet"}
    )
    escalation_reached = ma.fields.List(
        ma.fields.String(),
        allow_none=True,
        metadata={
            "description": "who that level's SMS reached: liaisons|heads|center|leading_group|center_office|"
            "supervisors ([] = nobody); null at level 0"
        },
    )
    escalation_recipients = ma.fields.Integer(allow_none=True, metadata={"description": "phones reached; 0 = nobody"})


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
