"""``/api/v1/overdue``: the overdue queue."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import step_required
from hotline.escalation.overdue import overdue_queue
from hotline.escalation.schemas import OverdueListSchema, OverdueQuerySchema
from hotline.settings import current_settings
from hotline.tickets.permissions import Step

blp = Blueprint("api_overdue", __name__, url_prefix="/api/v1", description="Overdue queue 超期督办")


@blp.route("/overdue")
class Overdue(MethodView):
    decorators = [step_required(Step.SUPERVISE)]

    @blp.arguments(OverdueQuerySchema, location="query")
    @blp.response(200, OverdueListSchema)
    def get(self, args):
        """Assignments late now (or by `at`), most overdue first."""
        at = args.get("at")
        if at is not None and at.tzinfo is None:  # no offset: the hotline's local time
            at = at.replace(tzinfo=ZoneInfo(current_settings().timezone))
        return overdue_queue(at or datetime.now(UTC), bureau=args.get("bureau"), limit=args["limit"])
