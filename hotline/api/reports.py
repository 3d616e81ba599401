"""``/api/v1/reports``: public reports and the reporter's look-up (no sign-in, rate limited)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.dispatch.services import reference_errors
from hotline.intake import reports
from hotline.intake.limits import public_budget
from hotline.intake.schemas import ReportCreatedSchema, ReportCreateSchema, ReportStatusSchema
from hotline.queues import get_redis
from hotline.settings import current_settings

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1", description="Public reports 公众报告")

SECRET_HEADER = "X-Report-Secret"


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/reports")
class Reports(MethodView):
    # Per client address, counted in Redis so every web process shares the budget.
    decorators = [public_budget()]

    @blp.arguments(ReportCreateSchema(codes=reference_errors))
    @blp.response(201, ReportCreatedSchema)
    def post(self, data):
        """A public report (no sign-in). Answers the tracking code and the secret, shown once."""
        ticket, secret = reports.submit_report(data, now=_now(), settings=current_settings())
        return {"tracking_code": ticket.tracking_code, "secret": secret, "status": ticket.status}


@blp.route("/reports/<string:tracking_code>")
class ReportStatus(MethodView):
    decorators = [public_budget()]

    @blp.doc(parameters=[{"in": "header", "name": SECRET_HEADER, "required": True, "schema": {"type": "string"}}])
    @blp.response(200, ReportStatusSchema)
    def get(self, tracking_code):
        """The reporter's look-up. An unknown code and a wrong secret get the same 404."""
        return reports.lookup_report(
            tracking_code,
            request.headers.get(SECRET_HEADER),
            settings=current_settings(),
            redis=get_redis(),
            now=_now(),
        )
