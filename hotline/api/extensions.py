"""``/api/v1/extensions``: extension requests (延期) and the supervisors' decisions."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.tracking import services
from hotline.tracking.schemas import (
    ExtensionApproveSchema,
    ExtensionListSchema,
    ExtensionQuerySchema,
    ExtensionSchema,
    OptionalReasonSchema,
)

blp = Blueprint("api_extensions", __name__, url_prefix="/api/v1", description="Extensions 延期")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/extensions")
class Extensions(MethodView):
    decorators = [step_required(Step.LIST_EXTENSIONS)]

    @blp.arguments(ExtensionQuerySchema, location="query")
    @blp.response(200, ExtensionListSchema)
    def get(self, args):
        """Extension requests, oldest first (`status=pending`: the supervisors' queue); a liaison's own only."""
        return services.list_extensions(
            actor=current_actor(), status=args.get("status"), page=args["page"], per_page=args["per_page"]
        )


@blp.route("/extensions/<int:extension_id>/approve")
class ExtensionApprove(MethodView):
    decorators = [step_required(Step.DECIDE_EXTENSION)]

    @blp.arguments(ExtensionApproveSchema)
    @blp.response(200, ExtensionSchema)
    def post(self, data, extension_id):
        """Grant the request (optionally fewer `days`): `feedback_due_at` moves by the days granted,
        working days for `normal` tickets, clock days otherwise."""
        return services.approve_extension(
            extension_id,
            actor=current_actor(),
            now=_now(),
            days=data["days"],
            note=data["note"],
            settings=current_settings(),
        )


@blp.route("/extensions/<int:extension_id>/reject")
class ExtensionReject(MethodView):
    decorators = [step_required(Step.DECIDE_EXTENSION)]

    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, ExtensionSchema)
    def post(self, data, extension_id):
        """Refuse the request; the deadline stays."""
        return services.reject_extension(
            extension_id, actor=current_actor(), now=_now(), reason=data["reason"], settings=current_settings()
        )
