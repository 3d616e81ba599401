"""Schemas of the access-log review."""

from __future__ import annotations

import marshmallow as ma


class AccessLogQuerySchema(ma.Schema):
    ticket_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    child_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    user = ma.fields.String(validate=ma.validate.Length(min=1, max=80), metadata={"description": "username"})
    from_ = ma.fields.Date(data_key="from", metadata={"description": "first local date (YYYY-MM-DD), inclusive"})
    to = ma.fields.Date(metadata={"description": "last local date (YYYY-MM-DD), inclusive"})
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=500))

    @ma.validates_schema
    def _dates(self, data, **kwargs):
        for key, name in (("from_", "from"), ("to", "to")):
            value = data.get(key)
            if value is not None and not 1900 <= value.year <= 2200:
                raise ma.ValidationError("date must be between 1900 and 2200", name)
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("must not be after 'to'", "from")


class AccessLogItemSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    user = ma.fields.String()
    role = ma.fields.String(allow_none=True)
    ticket_id = ma.fields.Integer(allow_none=True)
    child_id = ma.fields.Integer(allow_none=True)
    via = ma.fields.String(
        metadata={"description": "how the data was read: api, web, export, patch, dispatch, call, recording, ..."}
    )
    ip = ma.fields.String(allow_none=True)
    user_agent = ma.fields.String(allow_none=True)


class AccessLogListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AccessLogItemSchema))
    total = ma.fields.Integer()
