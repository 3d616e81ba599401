"""``POST /api/v1/tickets/<id>/redact``: an admin removes personal fields now, with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.dispatch.schemas import TicketSchema
from hotline.intake.recordings import twilio_client
from hotline.retention.services import GROUPS, redact_ticket
from hotline.tickets.permissions import Step

blp = Blueprint("retention", __name__, url_prefix="/api/v1", description="Erasure 删除个人信息")


class RedactSchema(ma.Schema):
    fields = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(GROUPS))),
        required=True,
        validate=ma.validate.Length(min=1, max=len(GROUPS)),
        metadata={"description": "groups to remove: " + ", ".join(GROUPS)},
    )
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=2000))


@blp.route("/tickets/<int:ticket_id>/redact")
class TicketRedact(MethodView):
    decorators = [step_required(Step.REDACT)]

    @blp.arguments(RedactSchema)
    @blp.response(200, TicketSchema)
    def post(self, data, ticket_id):
        """Remove the named personal fields now (a correction request, a wrong record). The event
        records who, why and which fields, never the values."""
        return redact_ticket(
            ticket_id,
            data["fields"],
            data["reason"],
            actor=current_actor(),
            now=datetime.now(UTC),
            recordings=twilio_client(current_app),
        )
