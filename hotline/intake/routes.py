"""Intake API: public reports and the reporter's look-up, completing `new` tickets, the call log."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import CENTER, current_actor, roles_required
from hotline.dispatch.schemas import TicketSchema
from hotline.intake import calls, recordings, reports, services
from hotline.intake.reports import public_budget
from hotline.intake.schemas import (
    CallContextSchema,
    CallListSchema,
    CallQuerySchema,
    CallSchema,
    ReportCreatedSchema,
    ReportCreateSchema,
    ReportStatusSchema,
    TicketPatchSchema,
)
from hotline.models import Role

blp = Blueprint("intake", __name__, url_prefix="/api/v1", description="Intake: public reports, call log 受理")

SECRET_HEADER = "X-Report-Secret"


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/reports")
class Reports(MethodView):
    # Per client address, counted in Redis so every web process shares the budget.
    decorators = [public_budget()]

    @blp.arguments(ReportCreateSchema)
    @blp.response(201, ReportCreatedSchema)
    def post(self, data):
        """A public report (no sign-in). Answers the tracking code and the secret, shown once."""
        ticket, secret = reports.submit_report(data, now=_now())
        return {"tracking_code": ticket.tracking_code, "secret": secret, "status": ticket.status}


@blp.route("/reports/<string:tracking_code>")
class ReportStatus(MethodView):
    decorators = [public_budget()]

    @blp.doc(parameters=[{"in": "header", "name": SECRET_HEADER, "required": True, "schema": {"type": "string"}}])
    @blp.response(200, ReportStatusSchema)
    def get(self, tracking_code):
        """The reporter's look-up. An unknown code and a wrong secret get the same 404."""
        return reports.lookup_report(tracking_code, request.headers.get(SECRET_HEADER), now=_now())


@blp.route("/tickets/<int:ticket_id>")
class TicketCompletion(MethodView):
    decorators = [roles_required(Role.OPERATOR, Role.SUPERVISOR)]

    @blp.arguments(TicketPatchSchema)
    @blp.response(200, TicketSchema)
    def patch(self, data, ticket_id):
        """Complete a `new` ticket (protection types, urgency, categories, location, child, reporter)."""
        return services.complete_ticket(ticket_id, data, actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/recording")
class TicketRecording(MethodView):
    decorators = [roles_required(*CENTER)]

    @blp.doc(responses={"200": {"description": "the voicemail audio", "content": {"audio/mpeg": {}}}})
    def get(self, ticket_id):
        """The voicemail's audio, fetched from Twilio with the account's credentials; every
        playback is recorded in the access log. The provider's URL is never answered."""
        audio, content_type = recordings.get_recording(ticket_id, actor=current_actor(), now=_now())
        return Response(audio, mimetype=content_type, headers={"Cache-Control": "no-store"})


@blp.route("/calls")
class Calls(MethodView):
    decorators = [roles_required(*CENTER)]

    @blp.arguments(CallQuerySchema, location="query")
    @blp.response(200, CallListSchema)
    def get(self, args):
        """The call log, newest first; `?status=missed` is the call-back list."""
        return calls.list_calls(args.get("status"), page=args["page"], per_page=args["per_page"])


@blp.route("/calls/<string:call_sid>")
class CallDetail(MethodView):
    decorators = [roles_required(*CENTER)]

    @blp.response(200, CallSchema)
    def get(self, call_sid):
        """One call."""
        return calls.get_call(call_sid)


@blp.route("/calls/<string:call_sid>/called-back")
class CalledBack(MethodView):
    decorators = [roles_required(*CENTER)]

    @blp.response(200, CallSchema)
    def post(self, call_sid):
        """An operator rang the missed caller back: the call leaves the call-back list."""
        return calls.mark_called_back(call_sid, current_actor(), _now())


@blp.route("/calls/<string:call_sid>/context")
class CallContext(MethodView):
    decorators = [roles_required(*CENTER)]

    @blp.response(200, CallContextSchema)
    def get(self, call_sid):
        """The caller's earlier tickets and calls (by the calling number), for repeat callers."""
        return calls.call_context(call_sid, actor=current_actor(), now=_now())
