"""Notes and attachments on a ticket (``/api/v1``): any staff who may read the ticket.

A ticket outside the caller's scope is a 404, as for one that does not exist; so is an
attachment of such a ticket.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.auth.access import current_actor, step_required
from hotline.tickets.permissions import Step
from hotline.tracking import notes
from hotline.tracking.schemas import AttachmentSchema, NoteCreateSchema, NoteItemSchema
from hotline.uploads import allow_upload

blp = Blueprint("api_notes", __name__, url_prefix="/api/v1", description="Notes and attachments 留言与附件")

ERRORS = {
    404: {"description": "No such ticket, or not one the caller may read"},
    413: {"description": "The body (the file) is larger than 10 MB"},
    422: {"description": "Missing file, empty file, or not a JPEG, PNG or PDF by its content"},
}


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/tickets/<int:ticket_id>/notes")
class TicketNotes(MethodView):
    decorators = [step_required(Step.NOTE)]

    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteItemSchema)
    @blp.alt_response(404, description="No such ticket, or not one the caller may read")
    def post(self, data, ticket_id):
        """A staff note (会商/协调意见), seen by the center and every department that currently
        sees the ticket; never public. Others get an in-app notice (`unread_notes`), no SMS."""
        return notes.add_note(ticket_id, data["body"], actor=current_actor(), now=_now())


@blp.route("/tickets/<int:ticket_id>/attachments")
class TicketAttachments(MethodView):
    decorators = [step_required(Step.NOTE)]

    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    )
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(404, description=ERRORS[404]["description"])
    @blp.alt_response(413, description=ERRORS[413]["description"])
    @blp.alt_response(422, description=ERRORS[422]["description"])
    def post(self, ticket_id):
        """Attach a file (multipart field `file`): JPEG, PNG or PDF, told by its content, at most
        10 MB. Stored in the database."""
        upload = request.files.get("file")
        return notes.add_attachment(
            ticket_id,
            upload.stream if upload is not None else None,
            upload.filename if upload is not None else None,
            actor=current_actor(),
            now=_now(),
        )


allow_upload("api_notes.TicketAttachments", notes.UPLOAD_BODY_BYTES)


@blp.route("/attachments/<int:attachment_id>")
class AttachmentFile(MethodView):
    decorators = [step_required(Step.NOTE)]

    @blp.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream")
    @blp.alt_response(404, description="No such attachment, or its ticket is not one the caller may read")
    def get(self, attachment_id):
        """The file, to those who may read its ticket; every download is recorded in the access log."""
        attachment = notes.read_attachment(attachment_id, actor=current_actor(), now=_now())
        download = request.args.get("download") == "1"
        return Response(
            attachment.data, mimetype=attachment.content_type, headers=notes.file_headers(attachment, download=download)
        )
