"""Tracking endpoints (``/api/v1``): the ticket list and detail, assignment steps, extensions,
close, reopen, revisit, cancel and the figures.

Order of answers: 401 without a valid token, 403 for a role that may never take the step,
422 for a bad body, 404 for a row outside a liaison's department (as for one that does not
exist), 409 for a step the current state does not allow (the message says the state).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import STAFF, current_actor, roles_required
from hotline.models import Role
from hotline.tracking import services
from hotline.tracking.schemas import (
    AssignmentStepSchema,
    ExtensionApproveSchema,
    ExtensionCreateSchema,
    ExtensionListSchema,
    ExtensionQuerySchema,
    ExtensionSchema,
    FeedbackCreateSchema,
    FeedbackSchema,
    NoteSchema,
    OptionalReasonSchema,
    ReasonSchema,
    RevisitSchema,
    StatsQuerySchema,
    StatsSchema,
    TicketDetailSchema,
    TicketListSchema,
    TicketQuerySchema,
    TicketSummarySchema,
)

blp = Blueprint("tracking", __name__, url_prefix="/api/v1", description="Tracking 跟踪督办")

LIAISON = (Role.LIAISON,)
DECIDERS = (Role.OPERATOR, Role.SUPERVISOR)  # returns, revisits, cancels
SUPERVISOR = (Role.SUPERVISOR,)


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/tickets")
class TicketList(MethodView):
    decorators = [roles_required(*STAFF)]

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


@blp.route("/tickets/<int:ticket_id>")
class TicketDetail(MethodView):
    decorators = [roles_required(*STAFF)]

    @blp.response(200, TicketDetailSchema)
    def get(self, ticket_id):
        """The full ticket with its timeline. Every read is recorded (who, when, which ticket).

        A liaison sees their own department's feedback, extensions and events only, and of the
        reporter nothing when the report was anonymous, otherwise only the phone.
        """
        return services.get_ticket(ticket_id, actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/close")
class TicketClose(MethodView):
    decorators = [roles_required(*SUPERVISOR)]

    @blp.arguments(NoteSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """办结: only from `awaiting_verification`."""
        return services.close_ticket(ticket_id, data["note"], actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/reopen")
class TicketReopen(MethodView):
    decorators = [roles_required(*SUPERVISOR)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """Back to `in_progress` (from `awaiting_verification` or `closed`) with new deadlines from now."""
        return services.reopen_ticket(ticket_id, data["reason"], actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/revisit")
class TicketRevisit(MethodView):
    decorators = [roles_required(*DECIDERS)]

    @blp.arguments(RevisitSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """回访 of a closed ticket; `unsatisfied` reopens it with new deadlines."""
        return services.revisit_ticket(ticket_id, data["outcome"], data["note"], actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/cancel")
class TicketCancel(MethodView):
    decorators = [roles_required(*DECIDERS)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, TicketSummarySchema)
    def post(self, data, ticket_id):
        """Cancel a duplicate or invalid ticket (any open state); live assignments are withdrawn."""
        return services.cancel_ticket(ticket_id, data["reason"], actor=current_actor(), now=_now())


@blp.route("/assignments/<int:assignment_id>/accept")
class AssignmentAccept(MethodView):
    decorators = [roles_required(*LIAISON)]

    @blp.response(200, AssignmentStepSchema)
    def post(self, assignment_id):
        """签收, by the department's liaison; only from `pending`. The first sign-for starts the ticket."""
        return services.accept_assignment(assignment_id, actor=current_actor(), now=_now())


@blp.route("/assignments/<int:assignment_id>/return")
class AssignmentReturn(MethodView):
    decorators = [roles_required(*LIAISON)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """退单 request (from `pending` or `accepted`); the center decides, the clocks keep running."""
        return services.request_return(assignment_id, data["reason"], actor=current_actor(), now=_now())


@blp.route("/assignments/<int:assignment_id>/return/approve")
class AssignmentReturnApprove(MethodView):
    decorators = [roles_required(*DECIDERS)]

    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """The return is accepted: `returned`; with no lead left the ticket is `new` for re-dispatch."""
        return services.approve_return(assignment_id, actor=current_actor(), now=_now(), note=data["reason"])


@blp.route("/assignments/<int:assignment_id>/return/reject")
class AssignmentReturnReject(MethodView):
    decorators = [roles_required(*DECIDERS)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """The dispatch is binding: back to the state before the request; the department is told by SMS."""
        return services.reject_return(assignment_id, data["reason"], actor=current_actor(), now=_now())


@blp.route("/assignments/<int:assignment_id>/feedback")
class AssignmentFeedback(MethodView):
    decorators = [roles_required(*LIAISON)]

    @blp.arguments(FeedbackCreateSchema)
    @blp.response(201, FeedbackSchema)
    def post(self, data, assignment_id):
        """反馈 (only once signed for). When every non-returned assignment has final feedback the
        ticket awaits verification."""
        return services.add_feedback(assignment_id, data["summary"], data["final"], actor=current_actor(), now=_now())


@blp.route("/assignments/<int:assignment_id>/extensions")
class AssignmentExtensions(MethodView):
    decorators = [roles_required(*LIAISON)]

    @blp.arguments(ExtensionCreateSchema)
    @blp.response(201, ExtensionSchema)
    def post(self, data, assignment_id):
        """延期 request (1–10 days, at most 10 in all), before the feedback deadline; one at a time."""
        return services.request_extension(
            assignment_id, data["days"], data["reason"], actor=current_actor(), now=_now()
        )


@blp.route("/extensions")
class Extensions(MethodView):
    decorators = [roles_required(*STAFF)]

    @blp.arguments(ExtensionQuerySchema, location="query")
    @blp.response(200, ExtensionListSchema)
    def get(self, args):
        """Extension requests, oldest first (`status=pending`: the supervisors' queue); a liaison's own only."""
        return services.list_extensions(
            actor=current_actor(), status=args.get("status"), page=args["page"], per_page=args["per_page"]
        )


@blp.route("/extensions/<int:extension_id>/approve")
class ExtensionApprove(MethodView):
    decorators = [roles_required(*SUPERVISOR)]

    @blp.arguments(ExtensionApproveSchema)
    @blp.response(200, ExtensionSchema)
    def post(self, data, extension_id):
        """Grant the request (optionally fewer `days`): `feedback_due_at` moves by the days granted,
        working days for `normal` tickets, clock days otherwise."""
        return services.approve_extension(
            extension_id, actor=current_actor(), now=_now(), days=data["days"], note=data["note"]
        )


@blp.route("/extensions/<int:extension_id>/reject")
class ExtensionReject(MethodView):
    decorators = [roles_required(*SUPERVISOR)]

    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, ExtensionSchema)
    def post(self, data, extension_id):
        """Refuse the request; the deadline stays."""
        return services.reject_extension(extension_id, actor=current_actor(), now=_now(), reason=data["reason"])


@blp.route("/stats")
class Stats(MethodView):
    decorators = [roles_required(Role.SUPERVISOR, Role.ADMIN)]

    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args):
        """Per-department and total figures for assignments dispatched `from`..`to` (local dates,
        inclusive; default: this month so far), as they stand now. Each figure is
        `{"count","rate","of"}`; the definitions are in `hotline/tracking/stats.py`."""
        return services.stats(args["from_"], args["to"], now=_now())
