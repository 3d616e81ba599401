"""``/api/v1/tickets``: the ticket resource. Creating (intake), completing a `new` ticket
(intake), dispatching (dispatch), and the list, detail, close, reopen, revisit and cancel
(tracking): each route parses, calls one service, and returns its result.

Order of answers: 401 without a valid token, 403 for a role that may never take the step,
422 for a bad body, 404 for a row outside a liaison's department (as for one that does not
exist), 409 for a step the current state does not allow (the message says the state).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.dispatch import services as dispatch_services
from hotline.dispatch.schemas import DispatchSchema, TicketCreateSchema
from hotline.intake import recordings
from hotline.intake import services as intake_services
from hotline.intake.schemas import TicketPatchSchema
from hotline.intake.tickets import create_ticket
from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.tracking import services
from hotline.tracking.schemas import (
    NoteSchema,
    ReasonSchema,
    RevisitSchema,
    TicketCreatedSchema,
    TicketDetailSchema,
    TicketListSchema,
    TicketQuerySchema,
    TicketSchema,
    TicketSummarySchema,
)

blp = Blueprint("api_tickets", __name__, url_prefix="/api/v1", description="Tickets 工单")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/tickets")
class Tickets(MethodView):
    @step_required(Step.LIST_TICKETS)
    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketListSchema)
    def get(self, filters):
        """Tickets, newest first; a liaison sees only tickets with an assignment of their department.

        `view` (`pending|due_soon|overdue|return_requested`) gives a work list by the caller's
        assignments (a liaison's: their department's), soonest deadline first. `overdue=true`
        keeps tickets with an assignment (a liaison's: their own) past its deadline. Items leave
        out the description, the child, the reporter and the address: read the ticket for those.
        """
        return services.list_tickets(filters, actor=current_actor(), now=_now())

    @step_required(Step.CREATE_TICKET)
    @blp.arguments(TicketCreateSchema(codes=dispatch_services.reference_errors))
    @blp.response(201, TicketCreatedSchema)
    def post(self, data):
        """Register a report as a ticket and dispatch it by the rules in the same transaction.

        The answer carries the reporter's 6-digit `secret` once (only its hash is stored).
        A ticket that no rule routes stays `new`, with `dispatch.explanation` saying why.
        """
        channel = data.pop("channel")
        ticket, secret = create_ticket(
            data, channel=channel, actor=current_actor(), now=_now(), settings=current_settings()
        )
        return {"ticket": ticket, "secret": secret}


@blp.route("/tickets/<int:ticket_id>")
class TicketDetail(MethodView):
    @step_required(Step.READ_TICKET)
    @blp.response(200, TicketDetailSchema)
    def get(self, ticket_id):
        """The full ticket with its timeline. Every read is recorded (who, when, which ticket).

        A liaison sees their own department's feedback, extensions and events only, and of the
        reporter nothing when the report was anonymous, otherwise only the phone.
        """
        return services.get_ticket(ticket_id, actor=current_actor(), now=_now())

    @step_required(Step.COMPLETE_TICKET)
    @blp.arguments(TicketPatchSchema(codes=dispatch_services.reference_errors))
    @blp.response(200, TicketSchema)
    def patch(self, data, ticket_id):
        """Complete a `new` ticket (protection types, urgency, categories, location, child, reporter)."""
        return intake_services.complete_ticket(ticket_id, data, actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/recording")
class TicketRecording(MethodView):
    decorators = [step_required(Step.LISTEN_RECORDING)]

    @blp.doc(responses={"200": {"description": "the voicemail audio", "content": {"audio/mpeg": {}}}})
    def get(self, ticket_id):
        """The voicemail's audio, fetched from Twilio with the account's credentials; every
        playback is recorded in the access log. The provider's URL is never answered."""
        audio, content_type = recordings.get_recording(
            ticket_id, actor=current_actor(), now=_now(), client=recordings.twilio_client(current_app)
        )
        return Response(audio, mimetype=content_type, headers={"Cache-Control": "no-store"})


@blp.route("/tickets/<int:ticket_id>/dispatch")
class TicketDispatch(MethodView):
    decorators = [step_required(Step.DISPATCH)]

    @blp.arguments(DispatchSchema)
    @blp.response(200, TicketSchema)
    def post(self, data, ticket_id):
        """Manual dispatch or re-dispatch.

        `{"assignments":[{"bureau","role"}]}` (exactly one lead): exactly those departments;
        `{}` or no body: by the rules in force. Live assignments of departments left out are
        withdrawn; those kept keep their deadlines. When no rule routes the ticket, a `new`
        ticket stays `new` (200, `dispatch.explanation` says why); a ticket that already has
        departments keeps them (409).
        """
        return dispatch_services.dispatch_ticket(
            ticket_id, data.get("assignments"), actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/tickets/<int:ticket_id>/close")
class TicketClose(MethodView):
    decorators = [step_required(Step.CLOSE)]

    @blp.arguments(NoteSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """办结: only from `awaiting_verification`."""
        return services.close_ticket(
            ticket_id, data["note"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/tickets/<int:ticket_id>/reopen")
class TicketReopen(MethodView):
    decorators = [step_required(Step.REOPEN)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """Back to `in_progress` (from `awaiting_verification` or `closed`) with new deadlines from now."""
        return services.reopen_ticket(
            ticket_id, data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/tickets/<int:ticket_id>/revisit")
class TicketRevisit(MethodView):
    decorators = [step_required(Step.REVISIT)]

    @blp.arguments(RevisitSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """回访 of a closed ticket; `unsatisfied` reopens it with new deadlines."""
        return services.revisit_ticket(
            ticket_id, data["outcome"], data["note"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/tickets/<int:ticket_id>/cancel")
class TicketCancel(MethodView):
    decorators = [step_required(Step.CANCEL)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """Cancel a duplicate or invalid ticket (any open state); live assignments are withdrawn."""
        return services.cancel_ticket(
            ticket_id, data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )
