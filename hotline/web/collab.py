"""Working together on a ticket, in the pages: notes, attachments, taking a department off
(撤回), feedback on a department's behalf (代反馈) and the printable work order (打印工单).

The same services as the API (``hotline.tracking.notes`` and ``hotline.tracking.services``);
each POST goes through ``tickets._step``, so a refused step comes back on the ticket page with
the problem beside the field; who may take it is ``hotline.tickets.permissions``, as for the API.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.tracking import notes
from hotline.tracking.schemas import FeedbackCreateSchema, NoteCreateSchema, ReasonSchema
from hotline.tracking.services import add_feedback, get_ticket, withdraw_assignment
from hotline.uploads import allow_upload
from hotline.web.access import actor, page_step
from hotline.web.forms import OnBehalfForm, ReasonForm, TicketNoteForm, UploadForm
from hotline.web.tickets import _body, _step, _ticket_of_assignment

bp = Blueprint("collab", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


@bp.route("/tickets/<int:ticket_id>/notes", methods=["POST"])
@page_step(Step.NOTE)
def add_note(ticket_id: int):
    form = TicketNoteForm(prefix="note")
    return _step(
        ticket_id,
        "note",
        form,
        lambda f: notes.add_note(ticket_id, _body(f, NoteCreateSchema)["body"], actor=actor(), now=_now()),
        _("Note added."),
    )


@bp.route("/tickets/<int:ticket_id>/attachments", methods=["POST"])
@page_step(Step.NOTE)
def add_attachment(ticket_id: int):
    form = UploadForm(prefix="upload")

    def run(f: UploadForm):
        upload = f.file.data
        stream = upload.stream if upload else None
        return notes.add_attachment(ticket_id, stream, upload.filename if upload else None, actor=actor(), now=_now())

    return _step(ticket_id, "upload", form, run, _("File attached."))


allow_upload("collab.add_attachment", notes.UPLOAD_BODY_BYTES)


@bp.route("/attachments/<int:attachment_id>")
@page_step(Step.NOTE)
def attachment(attachment_id: int):
    found = notes.read_attachment(attachment_id, actor=actor(), now=_now(), via="web")
    download = request.args.get("download") == "1"
    return Response(found.data, mimetype=found.content_type, headers=notes.file_headers(found, download=download))


def _assignment_step(assignment_id: int, key: str, form: FlaskForm, action, done: str):
    """A step on one assignment (who may take it is the route's ``page_step``): its ticket read
    through the actor's scope (404 outside it), then the shared form handling of the ticket page."""
    return _step(_ticket_of_assignment(assignment_id), key, form, action, done)


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["POST"])
@page_step(Step.WITHDRAW)
def withdraw(assignment_id: int):
    key = f"wd{assignment_id}"
    return _assignment_step(
        assignment_id,
        key,
        ReasonForm(prefix=key),
        lambda f: withdraw_assignment(
            assignment_id, _body(f, ReasonSchema)["reason"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("The department is taken off the ticket."),
    )


@bp.route("/assignments/<int:assignment_id>/feedback/on-behalf", methods=["POST"])
@page_step(Step.ON_BEHALF)
def feedback_on_behalf(assignment_id: int):
    def run(f: OnBehalfForm):
        body = _body(f, FeedbackCreateSchema)
        return add_feedback(
            assignment_id,
            body["summary"],
            body["final"],
            actor=actor(),
            now=_now(),
            on_behalf=True,
            settings=current_settings(),
        )

    key = f"ob{assignment_id}"
    return _assignment_step(
        assignment_id,
        key,
        OnBehalfForm(prefix=key),
        run,
        _("Feedback recorded on the department's behalf."),
    )


@bp.route("/tickets/<int:ticket_id>/print")
@page_step(Step.READ_TICKET)
def print_ticket(ticket_id: int):
    """The work order (工单) on paper: what was reported, who works on it by when, what they
    did and the notes. No timeline of reads: the access log is not for paper."""
    view = get_ticket(ticket_id, actor=actor(), now=_now(), via="print")
    return render_template("tickets/print.html", t=view, printed_at=_now())
