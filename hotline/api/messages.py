"""Outbound notifications: the outbox as supervisors see it."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import step_required
from hotline.notify.schemas import MessageListSchema, MessageQuerySchema, MessageSchema, TestMessageSchema
from hotline.notify.services import list_messages, queue_test_message
from hotline.tickets.permissions import Step

blp = Blueprint("api_messages", __name__, url_prefix="/api/v1", description="Notifications 通知短信")


@blp.route("/messages")
class Messages(MethodView):
    decorators = [step_required(Step.READ_MESSAGES)]

    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(200, MessageListSchema)
    def get(self, args):
        """Outbound SMS, newest first."""
        return list_messages(args)


@blp.route("/messages/test")
class TestMessage(MethodView):
    decorators = [step_required(Step.ADMINISTER)]

    @blp.arguments(TestMessageSchema)
    @blp.response(201, MessageSchema)
    def post(self, data):
        """Send a test SMS (checks the Twilio set-up end to end through the outbox and a worker)."""
        return queue_test_message(data["to"])
