"""Working together on a ticket, in the pages: notes, attachments, taking a department off
(撤回), feedback on a department's behalf (代反馈) and the printable work order (打印工单).

The same services as the API (``hotline.tracking.notes`` and ``hotline.tracking.services``);
each POST goes through ``tickets._step``, so a refused step comes back on the ticket page with
the problem beside the field, and who may take it is the API's rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, TextAreaField

from hotline.bodylimit import allow_body
from hotline.models import Role
from hotline.tracking import notes
from hotline.web.access import actor, page_roles
from hotline.web.forms import FeedbackForm, ReasonForm

bp = Blueprint("collab", __name__)

STAFF = (Role.OPERATOR, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN)
UPLOAD_LIMIT = notes.MAX_ATTACHMENT_BYTES + 64 * 1024


class TicketNoteForm(FlaskForm):
    body = TextAreaField(_l("Note for the center and the departments"), render_kw={"rows": 3, "maxlength": 5000})


class UploadForm(FlaskForm):
    file = FileField(
        _l("File (JPEG, PNG or PDF, at most 10 MB)"), render_kw={"accept": "image/jpeg,image/png,application/pdf"}
    )


class OnBehalfForm(FeedbackForm):
    summary = TextAreaField(
        _l("What the department reported (by phone or on paper)"), render_kw={"rows": 4, "maxlength": 5000}
    )
    final = BooleanField(_l("This is the department's final feedback"))


def _now() -> datetime:
    return datetime.now(UTC)


def forms_for(view: Any, bound: dict[str, FlaskForm]) -> dict[str, FlaskForm]:
    """This page part's forms for the ticket page, unbound except the one just posted."""
    forms: dict[str, FlaskForm] = {
        "note": bound.get("note") or TicketNoteForm(formdata=None, prefix="note"),
        "upload": bound.get("upload") or UploadForm(formdata=None, prefix="upload"),
    }
    for a in view.assignments:
        forms[f"wd{a.id}"] = bound.get(f"wd{a.id}") or ReasonForm(formdata=None, prefix=f"wd{a.id}")
        forms[f"ob{a.id}"] = bound.get(f"ob{a.id}") or OnBehalfForm(formdata=None, prefix=f"ob{a.id}")
    return forms


@bp.route("/tickets/<int:ticket_id>/notes", methods=["POST"])
@page_roles(*STAFF)
def add_note(ticket_id: int):
    from hotline.tracking.schemas import NoteCreateSchema
    from hotline.web.tickets import _body, _step

    form = TicketNoteForm(prefix="note")
    return _step(
        ticket_id,
        "note",
        form,
        lambda f: notes.add_note(ticket_id, _body(f, NoteCreateSchema)["body"], actor=actor(), now=_now()),
        _("Note added."),
    )


@bp.route("/tickets/<int:ticket_id>/attachments", methods=["POST"])
@allow_body(UPLOAD_LIMIT)
@page_roles(*STAFF)
def add_attachment(ticket_id: int):
    from hotline.web.tickets import _step

    form = UploadForm(prefix="upload")

    def run(f: UploadForm):
        upload = f.file.data
        stream = upload.stream if upload else None
        return notes.add_attachment(ticket_id, stream, upload.filename if upload else None, actor=actor(), now=_now())

    return _step(ticket_id, "upload", form, run, _("File attached."))


@bp.route("/attachments/<int:attachment_id>")
@page_roles(*STAFF)
def attachment(attachment_id: int):
    from hotline.api.notes import file_response

    found = notes.read_attachment(attachment_id, actor=actor(), now=_now(), via="web")
    return file_response(found, download=request.args.get("download") == "1")


def _assignment_step(assignment_id: int, step: str, key: str, form: FlaskForm, action, done: str):
    """A step on one assignment: who may take it, its ticket read through the actor's scope
    (404 outside it), then the shared form handling of the ticket page."""
    from hotline.web.tickets import _require, _step, _ticket_of_assignment

    _require(step)
    return _step(_ticket_of_assignment(assignment_id), key, form, action, done)


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["POST"])
@page_roles(*STAFF)
def withdraw(assignment_id: int):
    from hotline.tracking.schemas import ReasonSchema
    from hotline.tracking.services import withdraw_assignment
    from hotline.web.tickets import _body

    key = f"wd{assignment_id}"
    return _assignment_step(
        assignment_id,
        "withdraw",
        key,
        ReasonForm(prefix=key),
        lambda f: withdraw_assignment(assignment_id, _body(f, ReasonSchema)["reason"], actor=actor(), now=_now()),
        _("The department is taken off the ticket."),
    )


@bp.route("/assignments/<int:assignment_id>/feedback/on-behalf", methods=["POST"])
@page_roles(*STAFF)
def feedback_on_behalf(assignment_id: int):
    from hotline.tracking.schemas import FeedbackCreateSchema
    from hotline.tracking.services import add_feedback
    from hotline.web.tickets import _body

    def run(f: OnBehalfForm):
        body = _body(f, FeedbackCreateSchema)
        return add_feedback(assignment_id, body["summary"], body["final"], actor=actor(), now=_now(), on_behalf=True)

    key = f"ob{assignment_id}"
    return _assignment_step(
        assignment_id,
        "on_behalf",
        key,
        OnBehalfForm(prefix=key),
        run,
        _("Feedback recorded on the department's behalf."),
    )


@bp.route("/tickets/<int:ticket_id>/print")
@page_roles(*STAFF)
def print_ticket(ticket_id: int):
    """The work order (工单) on paper: what was reported, who works on it by when, what they
    did and the notes. No timeline of reads: the access log is not for paper."""
    from hotline.tracking.services import get_ticket

    view = get_ticket(ticket_id, actor=actor(), now=_now(), via="print")
    return render_template("tickets/print.html", t=view, printed_at=_now())
