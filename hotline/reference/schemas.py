"""The shape of GET /reference, so the OpenAPI document describes the code lists it answers."""

from __future__ import annotations

import marshmallow as ma


class CodeSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True, metadata={"description": "Chinese name"})
    name_en = ma.fields.String(allow_none=True)


class DeadlinesSchema(ma.Schema):
    sign = ma.fields.Dict(allow_none=True, metadata={"description": "time to sign for: {unit, amount, calendar}"})
    feedback = ma.fields.Dict(
        allow_none=True, metadata={"description": "time to final feedback: {unit, amount, calendar}"}
    )


class UrgencySchema(CodeSchema):
    deadlines = ma.fields.Nested(DeadlinesSchema)


class BureauSchema(CodeSchema):
    kind = ma.fields.String(allow_none=True)


class ReferenceSchema(ma.Schema):
    protection_types = ma.fields.List(ma.fields.Nested(CodeSchema))
    subject_categories = ma.fields.List(ma.fields.Nested(CodeSchema))
    urgencies = ma.fields.List(ma.fields.Nested(UrgencySchema))
    streets = ma.fields.List(ma.fields.Nested(CodeSchema))
    bureaus = ma.fields.List(ma.fields.Nested(BureauSchema))
