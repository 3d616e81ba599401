"""Supervision API: the overdue queue and the department contacts the ladder uses."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import roles_required
from hotline.models import Role
from hotline.tracking.contacts import department_contacts, set_department_contacts
from hotline.tracking.supervision import overdue_queue
from hotline.tracking.supervision_schemas import DepartmentContactsSchema, OverdueListSchema, OverdueQuerySchema

blp = Blueprint("supervision", __name__, url_prefix="/api/v1", description="Supervision 督办")


@blp.route("/overdue")
class Overdue(MethodView):
    decorators = [roles_required(Role.SUPERVISOR, Role.ADMIN)]

    @blp.arguments(OverdueQuerySchema, location="query")
    @blp.response(200, OverdueListSchema)
    def get(self, args):
        """Assignments late now (or by `at`), most overdue first."""
        return overdue_queue(args.get("at") or datetime.now(UTC), bureau=args.get("bureau"), limit=args["limit"])


@blp.route("/departments/<code>/contacts")
class DepartmentContacts(MethodView):
    @roles_required(Role.SUPERVISOR, Role.ADMIN)
    @blp.response(200, DepartmentContactsSchema)
    def get(self, code):
        """A department's head and liaison phones (who the ladder's SMS reach)."""
        return department_contacts(code)

    @roles_required(Role.ADMIN)
    @blp.arguments(DepartmentContactsSchema)
    @blp.response(200, DepartmentContactsSchema)
    def put(self, data, code):
        """Replace a department's head and/or liaison phones (admin)."""
        return set_department_contacts(code, data.get("head_phones"), data.get("liaison_phones"))
