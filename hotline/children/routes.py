"""Children's files and visits (``/api/v1/children``, ``/api/v1/tickets/<id>/child``).

Order of answers: 401 without a valid token, 403 for a role (or department) that may never
see files, 422 for a bad body, 404 for a file outside the caller's street (as for one that
does not exist), 409 for a step the file's state does not allow. Every answer carries
``Cache-Control: no-store``: it holds a child's personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.children import importing, services
from hotline.children.schemas import (
    ChildFileCreateSchema,
    ChildFileDetailSchema,
    ChildFileListSchema,
    ChildFilePatchSchema,
    ChildFileQuerySchema,
    ChildFileSchema,
    CloseSchema,
    ImportResultSchema,
    SuggestionsSchema,
    SurveyUploadSchema,
    TemplateQuerySchema,
    TicketChildSchema,
    VisitCreatedSchema,
    VisitCreateSchema,
)
from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.uploads import allow_upload

blp = Blueprint("children", __name__, url_prefix="/api/v1", description="Children's files 专项档案 and visits 定期走访")


@blp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/children")
class Children(MethodView):
    @step_required(Step.READ_CHILDREN)
    @blp.arguments(ChildFileQuerySchema, location="query")
    @blp.response(200, ChildFileListSchema)
    def get(self, filters):
        """Files the caller may see, late visits first (a street office: its street's; other departments: 403)."""
        return services.list_files(filters, actor=current_actor(), now=_now(), settings=current_settings())

    @step_required(Step.OPEN_CHILD_FILE)
    @blp.arguments(ChildFileCreateSchema)
    @blp.response(201, ChildFileSchema)
    def post(self, data):
        """Open a file (operator, supervisor, or a liaison of the child's street office)."""
        return services.create_file(data, actor=current_actor(), now=_now(), settings=current_settings())


@blp.route("/children/<int:child_id>")
class Child(MethodView):
    decorators = [step_required(Step.KEEP_CHILD_FILE)]

    @blp.response(200, ChildFileDetailSchema)
    def get(self, child_id):
        """The file with its visits, tickets and history. Every read is recorded in the access log."""
        return services.get_file(child_id, actor=current_actor(), now=_now(), settings=current_settings())

    @blp.arguments(ChildFilePatchSchema)
    @blp.response(200, ChildFileSchema)
    def patch(self, data, child_id):
        """Correct a file; a new `visit_every_days` (or a new risk's default) moves the next visit."""
        return services.update_file(child_id, data, actor=current_actor(), now=_now(), settings=current_settings())


@blp.route("/children/<int:child_id>/close")
class ChildClose(MethodView):
    decorators = [step_required(Step.KEEP_CHILD_FILE)]

    @blp.arguments(CloseSchema)
    @blp.response(200, ChildFileSchema)
    def post(self, data, child_id):
        """Close the file: no more visits fall due; it stays for the figures until retention."""
        return services.close_file(
            child_id, data["reason"], actor=current_actor(), now=_now(), settings=current_settings()
        )


@blp.route("/children/<int:child_id>/visits")
class ChildVisits(MethodView):
    decorators = [step_required(Step.KEEP_CHILD_FILE)]

    @blp.arguments(VisitCreateSchema)
    @blp.response(201, VisitCreatedSchema)
    def post(self, data, child_id):
        """Record a visit; `next_visit_due_at` becomes `visited_at` + `visit_every_days`.

        With `refer`, a ticket (channel `visit`) is created for the child and dispatched by the
        rules (帮扶转介); its id is `referral_ticket_id`.
        """
        return services.record_visit(child_id, data, actor=current_actor(), now=_now(), settings=current_settings())


@blp.route("/tickets/<int:ticket_id>/child")
class TicketChild(MethodView):
    decorators = [step_required(Step.KEEP_CHILD_FILE)]

    @blp.response(200, SuggestionsSchema)
    def get(self, ticket_id):
        """Files that may be this ticket's child (same name, same street): a person confirms with POST."""
        return services.suggested_files(ticket_id, actor=current_actor(), now=_now(), settings=current_settings())

    @blp.arguments(TicketChildSchema)
    @blp.response(200, ChildFileSchema)
    def post(self, data, ticket_id):
        """Link the ticket to a file (`child_id`), or open one from its child fields (`create`)."""
        return services.link_ticket(ticket_id, data, actor=current_actor(), now=_now(), settings=current_settings())


@blp.route("/children/import")
class ChildImport(MethodView):
    decorators = [step_required(Step.IMPORT_CHILDREN)]

    @blp.arguments(SurveyUploadSchema, location="files")
    @blp.response(200, ImportResultSchema)
    def post(self, files):
        """The survey sheet (XLSX or UTF-8 CSV, multipart field `file`), checked as a whole.

        Any bad row: `errors` lists every bad row and field (the header is row 1) and nothing
        is stored. The same child (name + birth date + street) again updates its file.
        """
        return importing.import_survey(
            files["file"].read(), actor=current_actor(), now=_now(), settings=current_settings()
        )


allow_upload("children.ChildImport", "HOTLINE_IMPORT_MAX_BYTES")


@blp.route("/children/import/template")
class ChildImportTemplate(MethodView):
    decorators = [step_required(Step.IMPORT_CHILDREN)]

    @blp.arguments(TemplateQuerySchema, location="query")
    @blp.response(200, description="the empty survey sheet (XLSX, or CSV with `format=csv`)")
    def get(self, args):
        """The survey sheet to fill in: the header row, and (XLSX) a sheet explaining each column."""
        content, mimetype, filename = importing.template(args["format"])
        return Response(content, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})
