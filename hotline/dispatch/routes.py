"""Tickets in, dispatch, previews and the dispatch rules (``/api/v1``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, roles_required
from hotline.dispatch import services
from hotline.dispatch.schemas import (
    DecisionSchema,
    DispatchSchema,
    PreviewSchema,
    RulesQuerySchema,
    RulesSchema,
    RulesUpdateSchema,
    RuleVersionListSchema,
    TicketCreatedSchema,
    TicketCreateSchema,
    TicketSchema,
)
from hotline.models import Role

blp = Blueprint("dispatch", __name__, url_prefix="/api/v1", description="Tickets, dispatch and rules 工单派单与规则")


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/tickets")
class Tickets(MethodView):
    @roles_required(Role.OPERATOR)
    @blp.arguments(TicketCreateSchema)
    @blp.response(201, TicketCreatedSchema)
    def post(self, data):
        """Register a report as a ticket and dispatch it by the rules in the same transaction.

        The answer carries the reporter's 6-digit `secret` once (only its hash is stored).
        A ticket that no rule routes stays `new`, with `dispatch.explanation` saying why.
        """
        channel = data.pop("channel")
        ticket, secret = services.create_ticket(data, channel=channel, actor=current_actor(), now=_now())
        return {"ticket": ticket, "secret": secret}


@blp.route("/tickets/<int:ticket_id>/dispatch")
class TicketDispatch(MethodView):
    decorators = [roles_required(Role.OPERATOR, Role.SUPERVISOR)]

    @blp.arguments(DispatchSchema)
    @blp.response(200, TicketSchema)
    def post(self, data, ticket_id):
        """Manual dispatch or re-dispatch.

        `{"assignments":[{"bureau","role"}]}` (exactly one lead): exactly those departments;
        `{}` or no body: by the rules in force. Live assignments of departments left out are
        withdrawn; those kept keep their deadlines. When no rule routes the ticket, a `new`
        ticket stays `new` (200, `dispatch.explanation` says why); a ticket that already has
        departments keeps them (409).
        """
        return services.dispatch_ticket(ticket_id, data.get("assignments"), actor=current_actor(), now=_now())


@blp.route("/dispatch/preview")
class DispatchPreview(MethodView):
    decorators = [roles_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)]

    @blp.arguments(PreviewSchema)
    @blp.response(200, DecisionSchema)
    def post(self, data):
        """What the rules in force would do with this ticket body, and why. Stores nothing."""
        return services.preview_dispatch(data)


@blp.route("/rules")
class Rules(MethodView):
    @roles_required(Role.SUPERVISOR, Role.ADMIN)
    @blp.arguments(RulesQuerySchema, location="query")
    @blp.response(200, RulesSchema)
    def get(self, args):
        """The dispatch rules in force (or `?version=N`, an earlier version)."""
        return services.get_rules(args.get("version"))

    @roles_required(Role.ADMIN)
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
    decorators = [roles_required(Role.SUPERVISOR, Role.ADMIN)]

    @blp.response(200, RuleVersionListSchema)
    def get(self):
        """Every stored rules version, newest first."""
        return {"items": services.list_rule_versions()}
