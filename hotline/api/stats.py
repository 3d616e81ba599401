"""``/api/v1/stats``: the per-department figures."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import step_required
from hotline.reporting import services
from hotline.reporting.schemas import StatsQuerySchema, StatsSchema
from hotline.settings import current_settings
from hotline.tickets.permissions import Step

blp = Blueprint("api_stats", __name__, url_prefix="/api/v1", description="Figures 统计")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/stats")
class Stats(MethodView):
    decorators = [step_required(Step.SUPERVISE)]

    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args):
        """Per-department and total figures for assignments dispatched `from`..`to` (local dates,
        inclusive; default: this month so far), as they stand now. Each figure is
        `{"count","rate","of"}`; the definitions are in `hotline/reporting/stats.py`."""
        return services.stats(args["from_"], args["to"], now=_now(), tz=current_settings().timezone)
