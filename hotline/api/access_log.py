"""``GET /api/v1/access-log``: who read which child's data, when, how and from where."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.audit.schemas import AccessLogListSchema, AccessLogQuerySchema
from hotline.audit.services import list_access_log
from hotline.auth.access import step_required
from hotline.settings import current_settings
from hotline.tickets.permissions import Step

blp = Blueprint("api_access_log", __name__, url_prefix="/api/v1", description="Audit 访问记录")


@blp.route("/access-log")
class AccessLogList(MethodView):
    decorators = [step_required(Step.AUDIT)]

    @blp.arguments(AccessLogQuerySchema, location="query")
    @blp.response(200, AccessLogListSchema)
    def get(self, args):
        """Reads of tickets' personal fields and of children's files, newest first (supervisor, admin).

        `from`/`to` are local dates, inclusive; `user` is a username."""
        return list_access_log(args, tz=current_settings().timezone)
