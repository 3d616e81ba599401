"""``GET /api/v1/setup``: what the installation still lacks (supervisor, admin)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import step_required
from hotline.settings import current_settings
from hotline.setup.checks import setup_warnings
from hotline.setup.schemas import SetupSchema
from hotline.tickets.permissions import Step

blp = Blueprint("api_setup", __name__, url_prefix="/api/v1", description="Set-up 安装检查")


@blp.route("/setup")
class Setup(MethodView):
    decorators = [step_required(Step.READ_SETUP)]

    @blp.response(200, SetupSchema)
    def get(self):
        """Set-up warnings: departments with no liaison phone, escalation rungs that would reach
        nobody, years the working-day calendar does not know, a secret key read from instance/."""
        return {"warnings": setup_warnings(datetime.now(UTC), settings=current_settings())}
