"""``GET /api/v1/stats/monthly``: the leading group's monthly report, JSON or XLSX."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import step_required
from hotline.reporting.monthly import monthly_report, report_xlsx
from hotline.settings import current_settings
from hotline.tickets.permissions import Step

blp = Blueprint("monthly", __name__, url_prefix="/api/v1", description="The leading group's monthly report 月报")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthlyQuerySchema(ma.Schema):
    month = ma.fields.String(required=True, metadata={"description": "YYYY-MM (local calendar month)"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "xlsx"]))


@blp.route("/stats/monthly")
class Monthly(MethodView):
    decorators = [step_required(Step.SUPERVISE)]

    @blp.arguments(MonthlyQuerySchema, location="query")
    @blp.response(200, description="the report (JSON), or the workbook with `format=xlsx`")
    def get(self, args):
        """Tickets by protection type and street, per-department 及时签收率 / 按时办结率 / 满意率,
        visits due and done per street, open files by situation; each beside the previous month."""
        report = monthly_report(args["month"], now=datetime.now(UTC), tz=current_settings().timezone)
        if args["format"] == "xlsx":
            return Response(
                report_xlsx(report),
                mimetype=XLSX,
                headers={"Content-Disposition": f'attachment; filename="monthly-{report["month"]}.xlsx"'},
            )
        return report
