"""``/api/v1/calls``: the call log and the call-back list."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.intake import calls
from hotline.intake.schemas import CallContextSchema, CallListSchema, CallQuerySchema, CallSchema
from hotline.tickets.permissions import Step

blp = Blueprint("api_calls", __name__, url_prefix="/api/v1", description="Call log 来电记录")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/calls")
class Calls(MethodView):
    decorators = [step_required(Step.CALLS)]

    @blp.arguments(CallQuerySchema, location="query")
    @blp.response(200, CallListSchema)
    def get(self, args):
        """The call log, newest first; `?status=missed` is the call-back list."""
        return calls.list_calls(args.get("status"), page=args["page"], per_page=args["per_page"])


@blp.route("/calls/<string:call_sid>")
class CallDetail(MethodView):
    decorators = [step_required(Step.CALLS)]

    @blp.response(200, CallSchema)
    def get(self, call_sid):
        """One call."""
        return calls.get_call(call_sid)


@blp.route("/calls/<string:call_sid>/called-back")
class CalledBack(MethodView):
    decorators = [step_required(Step.CALLS)]

    @blp.response(200, CallSchema)
    def post(self, call_sid):
        """An operator rang the missed caller back: the call leaves the call-back list."""
        return calls.mark_called_back(call_sid, current_actor(), _now())


@blp.route("/calls/<string:call_sid>/context")
class CallContext(MethodView):
    decorators = [step_required(Step.CALLS)]

    @blp.response(200, CallContextSchema)
    def get(self, call_sid):
        """The caller's earlier tickets and calls (by the calling number), for repeat callers."""
        return calls.call_context(call_sid, actor=current_actor(), now=_now())
