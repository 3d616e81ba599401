"""``/api/v1/assignments``: a department's steps on its assignment (签收, 退单, 反馈, 延期) and
the center's decision on a return. Answers are ordered as in ``hotline.api.tickets``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.tracking import services
from hotline.tracking.schemas import (
    AssignmentStepSchema,
    ExtensionCreateSchema,
    ExtensionSchema,
    FeedbackCreateSchema,
    FeedbackSchema,
    OptionalReasonSchema,
    ReasonSchema,
)

blp = Blueprint("api_assignments", __name__, url_prefix="/api/v1", description="Assignments 派单办理")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/assignments/<int:assignment_id>/accept")
class AssignmentAccept(MethodView):
    decorators = [step_required(Step.WORK)]

    @blp.response(200, AssignmentStepSchema)
    def post(self, assignment_id):
        """签收, by the department's liaison; only from `pending`. The first sign-for starts the ticket."""
        return services.accept_assignment(assignment_id, actor=current_actor(), now=_now(), settings=current_settings())


@blp.route("/assignments/<int:assignment_id>/return")
class AssignmentReturn(MethodView):
    decorators = [step_required(Step.WORK)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """退单 request (from `pending` or `accepted`); the center decides, the clocks keep running."""
        return services.request_return(
            assignment_id, data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/assignments/<int:assignment_id>/return/approve")
class AssignmentReturnApprove(MethodView):
    decorators = [step_required(Step.DECIDE_RETURN)]

    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """The return is accepted: `returned`; with no lead left the ticket is `new` for re-dispatch."""
        return services.approve_return(
            assignment_id, actor=current_actor(), now=_now(), note=data["reason"], settings=current_settings()
        )


@blp.route("/assignments/<int:assignment_id>/return/reject")
class AssignmentReturnReject(MethodView):
    decorators = [step_required(Step.DECIDE_RETURN)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """The dispatch is binding: back to the state before the request; the department is told by SMS."""
        return services.reject_return(
            assignment_id, data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/assignments/<int:assignment_id>/withdraw")
class AssignmentWithdraw(MethodView):
    decorators = [step_required(Step.WITHDRAW)]

    @blp.arguments(ReasonSchema)
    @blp.response(200, AssignmentStepSchema)
    def post(self, data, assignment_id):
        """撤回: take the department off the ticket (`withdrawn`): its clocks and chasing stop and it
        no longer sees the ticket. With no lead left the ticket is `new` for re-dispatch."""
        return services.withdraw_assignment(
            assignment_id, data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/assignments/<int:assignment_id>/feedback")
class AssignmentFeedback(MethodView):
    decorators = [step_required(Step.FEEDBACK)]

    @blp.arguments(FeedbackCreateSchema)
    @blp.response(201, FeedbackSchema)
    def post(self, data, assignment_id):
        """反馈 (only once signed for), by the department's liaison; or by a supervisor with
        `on_behalf: true` (代反馈) for a department that answered by phone or on paper (on a
        `pending` order its sign-for is recorded first, on its behalf too). Final
        feedback waits while the department's extension request is pending (409). When every
        assignment still on the ticket has final feedback the ticket awaits verification."""
        return services.add_feedback(
            assignment_id,
            data["summary"],
            data["final"],
            actor=current_actor(),
            now=_now(),
            on_behalf=data["on_behalf"],
            settings=current_settings(),
        )


@blp.route("/assignments/<int:assignment_id>/extensions")
class AssignmentExtensions(MethodView):
    decorators = [step_required(Step.WORK)]

    @blp.arguments(ExtensionCreateSchema)
    @blp.response(201, ExtensionSchema)
    def post(self, data, assignment_id):
        """延期 request (1–10 days, at most 10 in all), before the feedback deadline; one at a time."""
        return services.request_extension(
            assignment_id, data["days"], data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )
