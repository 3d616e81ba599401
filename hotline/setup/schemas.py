"""The shape of GET /setup."""

from __future__ import annotations

import marshmallow as ma


class WarningSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        metadata={
            "description": "department_without_liaison_phone|escalation_rung_reaches_nobody|"
            "escalation_rung_falls_back|calendar_year_unknown|secret_key_from_instance"
        },
    )
    message = ma.fields.String(required=True, metadata={"description": "Chinese, then English"})
    zh = ma.fields.String(metadata={"description": "the message in Chinese alone (the Chinese pages show it)"})
    department = ma.fields.String()
    departments = ma.fields.List(ma.fields.String())
    level = ma.fields.Integer()
    year = ma.fields.Integer()


class SetupSchema(ma.Schema):
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema), required=True)
