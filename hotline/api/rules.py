"""``/api/v1/rules`` and ``/api/v1/dispatch/preview``: the dispatch rules and what they would do."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.dispatch import services
from hotline.dispatch.schemas import (
    DecisionSchema,
    PreviewSchema,
    RulesQuerySchema,
    RulesSchema,
    RulesUpdateSchema,
    RuleVersionListSchema,
)
from hotline.tickets.permissions import Step

blp = Blueprint("api_rules", __name__, url_prefix="/api/v1", description="Dispatch rules 派单规则")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/dispatch/preview")
class DispatchPreview(MethodView):
    decorators = [step_required(Step.PREVIEW_DISPATCH)]

    @blp.arguments(PreviewSchema(codes=services.reference_errors))
    @blp.response(200, DecisionSchema)
    def post(self, data):
        """What the rules in force would do with this ticket body, and why. Stores nothing."""
        return services.preview_dispatch(data)


@blp.route("/rules")
class Rules(MethodView):
    @step_required(Step.READ_RULES)
    @blp.arguments(RulesQuerySchema, location="query")
    @blp.response(200, RulesSchema)
    def get(self, args):
        """The dispatch rules in force (or `?version=N`, an earlier version)."""
        return services.get_rules(args.get("version"))

    @step_required(Step.EDIT_RULES)
    @blp.arguments(RulesUpdateSchema)
    @blp.response(200, RulesSchema)
    def put(self, data):
        """Replace the ordered rule set; validated, stored as the next version (earlier ones kept).

        Every web and worker process uses the new version from its next evaluation on.
        """
        return services.replace_rules(
            data["rules"], actor=current_actor(), now=_now(), base_version=data.get("base_version")
        )


@blp.route("/rules/versions")
class RuleVersions(MethodView):
    decorators = [step_required(Step.READ_RULES)]

    @blp.response(200, RuleVersionListSchema)
    def get(self):
        """Every stored rules version, newest first."""
        return {"items": services.list_rule_versions()}
