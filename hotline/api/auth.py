"""Sign-in for the API: tokens and the signed-in user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import bearer_token, current_actor, step_required
from hotline.auth.limits import sign_in_limits
from hotline.auth.services import issue_token, revoke_token
from hotline.tickets.permissions import Step

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1", description="Sign-in 登录")


class TokenCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class TokenSchema(ma.Schema):
    token = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()


class MeSchema(ma.Schema):
    username = ma.fields.String()
    role = ma.fields.String()
    bureau = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)


@blp.route("/auth/tokens")
class Tokens(MethodView):
    # Only failed sign-ins count: per (address, user name), and a higher ceiling per address.
    decorators = sign_in_limits()

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """Exchange a username and password for a bearer token."""
        ttl = timedelta(hours=current_app.config["HOTLINE_TOKEN_TTL_HOURS"])
        token, expires_at = issue_token(data["username"], data["password"], datetime.now(UTC), ttl)
        return {"token": token, "expires_at": expires_at}


@blp.route("/auth/tokens/current")
class CurrentToken(MethodView):
    decorators = [step_required(Step.ME)]

    @blp.response(204)
    def delete(self):
        """Sign out on the API: the token used for this call answers 401 from now on."""
        revoke_token(bearer_token() or "", datetime.now(UTC))


@blp.route("/me")
class Me(MethodView):
    decorators = [step_required(Step.ME)]

    @blp.response(200, MeSchema)
    def get(self):
        """The signed-in user."""
        return current_actor()
