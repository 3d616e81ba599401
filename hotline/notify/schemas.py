import marshmallow as ma

import hotline.bounds as bounds
from hotline.tickets.enums import MessageKind, MessageStatus


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    to = ma.fields.String()
    body = ma.fields.String()
    status = ma.fields.String()
    provider = ma.fields.String(allow_none=True)
    provider_sid = ma.fields.String(allow_none=True)
    ticket_id = ma.fields.Integer(allow_none=True)
    assignment_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    not_before = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    sent_at = ma.fields.AwareDateTime(allow_none=True)


class MessageListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSchema))
    total = ma.fields.Integer()


class MessageQuerySchema(ma.Schema):
    ticket_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=bounds.MAX_ID))
    to = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in MessageStatus]))
    kind = ma.fields.String(validate=ma.validate.OneOf([k.value for k in MessageKind]))
    page = bounds.page_field()
    per_page = bounds.per_page_field(100, 500)

    @ma.post_load
    def _plus(self, data: dict, **kwargs) -> dict:
        # "?to=+86..." unencoded arrives as " 86...": a query string's "+" means a space.
        if data.get("to", "").startswith(" "):
            data["to"] = "+" + data["to"].strip()
        return data


class TestMessageSchema(ma.Schema):
    to = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^\+[1-9]\d{6,14}$", error="must be an E.164 number")
    )
