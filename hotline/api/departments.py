"""``/api/v1/departments``: a department's contacts (who the dispatch and ladder SMS reach)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import step_required
from hotline.escalation.schemas import DepartmentContactsSchema
from hotline.notify.contacts import department_contacts, set_department_contacts
from hotline.tickets.permissions import Step

blp = Blueprint("api_departments", __name__, url_prefix="/api/v1", description="Departments 部门")


@blp.route("/departments/<code>/contacts")
class DepartmentContacts(MethodView):
    @step_required(Step.READ_CONTACTS)
    @blp.response(200, DepartmentContactsSchema)
    def get(self, code):
        """A department's head and liaison phones (who the ladder's SMS reach)."""
        return department_contacts(code)

    @step_required(Step.ADMINISTER)
    @blp.arguments(DepartmentContactsSchema)
    @blp.response(200, DepartmentContactsSchema)
    def put(self, data, code):
        """Replace a department's head and/or liaison phones (admin)."""
        return set_department_contacts(code, data.get("head_phones"), data.get("liaison_phones"))
