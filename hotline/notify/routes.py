"""Outbound notifications: the outbox as supervisors see it."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import roles_required
from hotline.extensions import db
from hotline.models import Message, Role
from hotline.notify.schemas import MessageListSchema, MessageQuerySchema, MessageSchema, TestMessageSchema
from hotline.notify.services import queue_test_message

blp = Blueprint("messages", __name__, url_prefix="/api/v1", description="Notifications 通知短信")


@blp.route("/messages")
class Messages(MethodView):
    decorators = [roles_required(Role.SUPERVISOR, Role.ADMIN)]

    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(200, MessageListSchema)
    def get(self, args):
        """Outbound SMS, newest first."""
        query = sa.select(Message)
        for field in ("ticket_id", "to", "status", "kind"):
            if field in args:
                query = query.where(getattr(Message, field) == args[field])
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        items = db.session.scalars(
            query.order_by(Message.id.desc()).limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
        ).all()
        return {"items": items, "total": total}


@blp.route("/messages/test")
class TestMessage(MethodView):
    decorators = [roles_required(Role.ADMIN)]

    @blp.arguments(TestMessageSchema)
    @blp.response(201, MessageSchema)
    def post(self, data):
        """Send a test SMS (checks the Twilio set-up end to end through the outbox and a worker)."""
        return queue_test_message(data["to"])
