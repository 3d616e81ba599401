"""The ticket pages every staff role shares: the list, the detail with its timeline, and every
step on a ticket, its assignments and extension requests.

Each POST parses its form with the API's schema and calls one tracking or dispatch service;
who may take which step is the one table of ``hotline.tickets.permissions`` (the API's too),
and a liaison reaches only their own department's rows because the services load through ``hotline.tracking.scoping`` (anything
else is a 404). A step the state does not allow comes back as the service's 409 message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from hotline.settings import current_settings
from hotline.tickets import permissions
from hotline.tickets.lifecycle import ENDED_ASSIGNMENT_STATES
from hotline.tickets.permissions import Step
from hotline.web import labels
from hotline.web.access import actor, page_step, safe_next
from hotline.web.forms import (
    REPORT_PATHS,
    ActionForm,
    CompleteForm,
    CorrectionForm,
    DispatchForm,
    ExtensionForm,
    FeedbackForm,
    NoteForm,
    OnBehalfForm,
    ReasonForm,
    RevisitForm,
    TicketNoteForm,
    UploadForm,
    attempt,
    own_paths,
    payload,
)
from hotline.web.templating import ref_choices

bp = Blueprint("tickets", __name__)


def may(step: str) -> bool:
    """For the templates: may the signed-in user take ``step`` (``hotline.tickets.permissions``)?"""
    return current_user.is_authenticated and permissions.may(current_user.role, Step(step))


def _now() -> datetime:
    return datetime.now(UTC)


# --- the list ------------------------------------------------------------------------------

FILTERS = ("q", "status", "urgency", "channel", "bureau", "protection_type")


@bp.route("/tickets/")
@page_step(Step.BROWSE_TICKETS)
def index():
    from hotline.tracking.schemas import TicketQuerySchema
    from hotline.tracking.services import list_tickets

    raw = {name: request.args[name] for name in (*FILTERS, "page", "overdue") if request.args.get(name)}
    ok, filters, problems = attempt(None, lambda: TicketQuerySchema().load(raw))
    if not ok:
        filters = {}
    filters.setdefault("page", 1)
    filters["per_page"] = 50
    ok, result, more = attempt(None, lambda: list_tickets(filters, actor=actor(), now=_now()))
    result = result or {"items": [], "total": 0}
    pages = max(1, -(-result["total"] // filters["per_page"]))
    return render_template(
        "tickets/index.html",
        result=result,
        args=raw,
        page=filters["page"],
        pages=pages,
        problems=problems + more,
        choices={
            "status": [("", _("Any status"))] + [(code, str(name)) for code, name in labels.TICKET_STATUS.items()],
            "urgency": ref_choices("urgencies", blank=_("Any urgency")),
            "channel": [("", _("Any channel"))] + [(code, str(name)) for code, name in labels.CHANNEL.items()],
            "bureau": ref_choices("bureaus", blank=_("Any department")),
            "protection_type": ref_choices("protection_types", blank=_("Any protection type")),
        },
    )


# --- the detail ----------------------------------------------------------------------------


def _department_choices() -> list[tuple[str, str]]:
    return [
        (code, name)
        for code, name in ref_choices("bureaus")
        if not code.startswith(("protection_center", "leading_group"))
    ]


def _complete_form(view: Any, posted: CompleteForm | None) -> CompleteForm:
    form = posted or CompleteForm(formdata=None, prefix="complete")
    form.protection_types.choices = ref_choices("protection_types")
    form.primary_type.choices = ref_choices("protection_types", blank=_("Choose..."))
    form.subject_categories.choices = ref_choices("subject_categories")
    form.urgency.choices = ref_choices("urgencies", blank=_("Choose..."))
    form.street.choices = ref_choices("streets", blank=_("Choose..."))
    form.child_gender.choices = labels.gender_choices()
    if posted is None:
        types = list(view.protection_types or ())
        form.process(
            data={
                "primary_type": types[0] if types else "",
                "protection_types": types[1:],
                "subject_categories": list(view.subject_categories or ()),
                "urgency": view.urgency or "",
                "street": view.street_code or "",
                "address": view.address or "",
                "child_name": view.child_name or "",
                "child_age": "" if view.child_age is None else str(view.child_age),
                "child_gender": view.child_gender or "",
                "description": view.description,
                "version": str(view.version),
            }
        )
    return form


def _forms(view: Any, bound: dict[str, FlaskForm]) -> dict[str, FlaskForm]:
    """Every form the page may show, unbound, except the one just posted (with its errors)."""

    def make(key: str, cls: type[FlaskForm]) -> FlaskForm:
        return bound.get(key) or cls(formdata=None, prefix=key)

    forms: dict[str, FlaskForm] = {
        "dispatch": make("dispatch", DispatchForm),
        "close": make("close", NoteForm),
        "reopen": make("reopen", ReasonForm),
        "revisit": make("revisit", RevisitForm),
        "cancel": make("cancel", ReasonForm),
        "action": ActionForm(formdata=None),
        "note": make("note", TicketNoteForm),
        "upload": make("upload", UploadForm),
    }
    departments = _department_choices()
    dispatch = forms["dispatch"]
    dispatch.lead.choices = [("", _("Choose..."))] + departments
    dispatch.assists.choices = departments
    if "dispatch" not in bound:
        # Departments still on the ticket, finished ones included: re-dispatching keeps their work.
        live = [a for a in view.assignments if a.status not in ENDED_ASSIGNMENT_STATES]
        suggested = (view.dispatch_suggestion or {}).get("assignments") or []
        chosen = [(a.bureau, a.role) for a in live] or [(s["bureau"], s["role"]) for s in suggested]
        dispatch.lead.data = next((b for b, r in chosen if r == "lead"), "")
        dispatch.assists.data = [b for b, r in chosen if r == "assist"]
    forms["complete"] = _complete_form(view, bound.get("complete"))
    forms["revisit"].outcome.choices = [("", _("Choose..."))] + [(c, str(n)) for c, n in labels.REVISIT_OUTCOME.items()]
    for a in view.assignments:
        for key, cls in (
            (f"ret{a.id}", ReasonForm),
            (f"rej{a.id}", ReasonForm),
            (f"fb{a.id}", FeedbackForm),
            (f"fc{a.id}", CorrectionForm),
            (f"ext{a.id}", ExtensionForm),
            (f"wd{a.id}", ReasonForm),  # 撤回
            (f"ob{a.id}", OnBehalfForm),  # 代反馈
        ):
            forms[key] = make(key, cls)
        for extension in a.extensions:
            forms[f"xr{extension.id}"] = make(f"xr{extension.id}", ReasonForm)
    return forms


def timeline_blocks(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The timeline as the page shows it: every workflow step on its own, and the reads between
    two steps (grouped per reader by the service) as one block, so a ticket read fifty times
    still shows its steps at a glance (``{"kind": "step", "event"}`` or ``{"kind": "reads",
    "at", "count", "readers": [{"who", "role", "count", "via", "last_at"}]}``)."""
    blocks: list[dict[str, Any]] = []
    for item in timeline:
        if item["action"] != "read":
            blocks.append({"kind": "step", "event": item})
            continue
        data = item.get("data") or {}
        last = data.get("last_at")
        reader = {
            "who": item["actor"],
            "role": item["actor_role"],
            "count": data.get("count", 1),
            "via": data.get("via", []),
            "last_at": datetime.fromisoformat(last) if last else item["at"],
        }
        if not blocks or blocks[-1]["kind"] != "reads":
            blocks.append({"kind": "reads", "at": item["at"], "count": 0, "readers": []})
        blocks[-1]["readers"].append(reader)
        blocks[-1]["count"] += reader["count"]
    return blocks


def _detail(
    ticket_id: int, bound: dict[str, FlaskForm] | None = None, problems: list[str] | None = None, status: int = 200
):
    from hotline.tracking.related import related_tickets
    from hotline.tracking.services import get_ticket

    view = get_ticket(ticket_id, actor=actor(), now=_now(), via="web")
    # Linked reports are the center's business; a department sees only its own tickets.
    related = related_tickets(ticket_id, actor()) if permissions.may(actor().role, Step.BROWSE_TICKETS) else []
    return render_template(
        "tickets/detail.html",
        t=view,
        forms=_forms(view, bound or {}),
        problems=problems or [],
        may=may,
        now=_now(),
        related=related,
        timeline=timeline_blocks(view.timeline),
        via_name=labels.via_label,
        field_name=labels.field_label,
        link_reason=lambda r: "、".join(labels.label(labels.LINK_REASON, x) for x in (r or "").split(",")),
    ), status


@bp.route("/tickets/<int:ticket_id>")
@page_step(Step.READ_TICKET)
def detail(ticket_id: int):
    return _detail(ticket_id)


@bp.route("/tickets/<int:ticket_id>/recording")
@page_step(Step.LISTEN_RECORDING)
def recording(ticket_id: int):
    """The voicemail played from the app (audited), never from the provider's URL."""
    from flask import Response

    from hotline.intake.recordings import get_recording, twilio_client

    client = twilio_client(current_app)
    audio, content_type = get_recording(ticket_id, actor=actor(), now=_now(), client=client, via="web")
    return Response(audio, mimetype=content_type, headers={"Cache-Control": "no-store"})


def _step(
    ticket_id: int,
    key: str,
    form: FlaskForm,
    action: Callable[[FlaskForm], Any],
    done: str,
    paths: dict[str, tuple[str, ...]] | None = None,
):
    """Run one service with the posted form. Done: back where the form was (``?next=``) or the
    ticket. Refused: the ticket page again with the problems beside the form's fields (a
    one-button form posted from a list goes back there, saying why)."""
    if not form.validate_on_submit():
        abort(400)
    ok, _result, problems = attempt(form, lambda: action(form), paths or own_paths(form))
    back = safe_next(request.args.get("next"))
    if ok:
        flash(done, "success")
        return redirect(back or url_for("tickets.detail", ticket_id=ticket_id))
    if back and not form.errors:
        for problem in problems:
            flash(problem, "error")
        return redirect(back)
    return _detail(ticket_id, {key: form}, problems, status=422 if form.errors else 409)


def _body(form: FlaskForm, schema) -> dict[str, Any]:
    return schema().load(payload(form, own_paths(form)))


# --- ticket steps --------------------------------------------------------------------------


@bp.route("/tickets/<int:ticket_id>/complete", methods=["POST"])
@page_step(Step.COMPLETE_TICKET)
def complete(ticket_id: int):
    """Fill in what the caller could not give on a ``new`` ticket (the suggestion follows)."""
    from hotline.dispatch.services import reference_errors
    from hotline.intake.schemas import TicketPatchSchema
    from hotline.intake.services import complete_ticket

    form = CompleteForm(prefix="complete")
    return _step(
        ticket_id,
        "complete",
        form,
        lambda f: complete_ticket(
            ticket_id, TicketPatchSchema(codes=reference_errors).load(payload(f)), actor=actor(), now=_now()
        ),
        _("The ticket is completed; check the suggestion and dispatch it."),
        paths=REPORT_PATHS,
    )


@bp.route("/tickets/<int:ticket_id>/dispatch", methods=["POST"])
@page_step(Step.DISPATCH)
def dispatch(ticket_id: int):
    from hotline.dispatch.services import dispatch_ticket

    form = DispatchForm(prefix="dispatch")
    form.lead.choices = form.assists.choices = _department_choices()

    def run(form: DispatchForm):
        from hotline.errors import ValidationError
        from hotline.tracking import scoping

        # The deadlines follow the urgency: on the pages nobody dispatches before choosing one
        # (a web, SMS or voicemail report arrives without). The API keeps its own rule.
        if not scoping.ticket_for(actor(), ticket_id).urgency:
            message = _("Choose the urgency first (under Complete the ticket): the deadlines depend on it.")
            raise ValidationError(message, {"assignments": [message]})
        if request.form.get("by_rules"):
            wanted = None
        else:
            wanted = [{"bureau": form.lead.data, "role": "lead"}] if form.lead.data else []
            wanted += [{"bureau": code, "role": "assist"} for code in form.assists.data or [] if code != form.lead.data]
            if not wanted:
                raise ValidationError(_("Choose a lead department."), {"assignments": [_("Choose a lead department.")]})
        return dispatch_ticket(ticket_id, wanted, actor=actor(), now=_now(), settings=current_settings())

    return _step(ticket_id, "dispatch", form, run, _("Dispatched."), paths={"lead": ("assignments",)})


@bp.route("/tickets/<int:ticket_id>/close", methods=["POST"])
@page_step(Step.CLOSE)
def close(ticket_id: int):
    from hotline.tracking.schemas import NoteSchema
    from hotline.tracking.services import close_ticket

    return _step(
        ticket_id,
        "close",
        NoteForm(prefix="close"),
        lambda f: close_ticket(
            ticket_id, _body(f, NoteSchema)["note"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("The ticket is closed."),
    )


@bp.route("/tickets/<int:ticket_id>/reopen", methods=["POST"])
@page_step(Step.REOPEN)
def reopen(ticket_id: int):
    from hotline.tracking.schemas import ReasonSchema
    from hotline.tracking.services import reopen_ticket

    return _step(
        ticket_id,
        "reopen",
        ReasonForm(prefix="reopen"),
        lambda f: reopen_ticket(
            ticket_id, _body(f, ReasonSchema)["reason"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("The ticket is reopened with new deadlines."),
    )


@bp.route("/tickets/<int:ticket_id>/revisit", methods=["POST"])
@page_step(Step.REVISIT)
def revisit(ticket_id: int):
    from hotline.tracking.schemas import RevisitSchema
    from hotline.tracking.services import revisit_ticket

    form = RevisitForm(prefix="revisit")
    form.outcome.choices = [(c, str(n)) for c, n in labels.REVISIT_OUTCOME.items()]

    def run(f: RevisitForm):
        body = _body(f, RevisitSchema)
        return revisit_ticket(
            ticket_id, body["outcome"], body.get("note"), actor=actor(), now=_now(), settings=current_settings()
        )

    return _step(ticket_id, "revisit", form, run, _("The revisit is recorded."))


@bp.route("/tickets/<int:ticket_id>/cancel", methods=["POST"])
@page_step(Step.CANCEL)
def cancel(ticket_id: int):
    from hotline.tracking.schemas import ReasonSchema
    from hotline.tracking.services import cancel_ticket

    return _step(
        ticket_id,
        "cancel",
        ReasonForm(prefix="cancel"),
        lambda f: cancel_ticket(
            ticket_id, _body(f, ReasonSchema)["reason"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("The ticket is cancelled."),
    )


# --- assignment steps ----------------------------------------------------------------------


def _ticket_of_assignment(assignment_id: int) -> int:
    """The assignment's ticket id, read through the actor's scope (404 outside it)."""
    from hotline.tracking import scoping

    return scoping.assignment_for(actor(), assignment_id).ticket_id


@bp.route("/assignments/<int:assignment_id>/accept", methods=["POST"])
@page_step(Step.WORK)
def accept(assignment_id: int):
    from hotline.tracking.services import accept_assignment

    ticket_id = _ticket_of_assignment(assignment_id)
    return _step(
        ticket_id,
        "action",
        ActionForm(),
        lambda f: accept_assignment(assignment_id, actor=actor(), now=_now(), settings=current_settings()),
        _("Signed for."),
    )


@bp.route("/assignments/<int:assignment_id>/return", methods=["POST"])
@page_step(Step.WORK)
def request_return(assignment_id: int):
    from hotline.tracking.schemas import ReasonSchema
    from hotline.tracking.services import request_return as request_return_service

    ticket_id = _ticket_of_assignment(assignment_id)
    return _step(
        ticket_id,
        f"ret{assignment_id}",
        ReasonForm(prefix=f"ret{assignment_id}"),
        lambda f: request_return_service(
            assignment_id, _body(f, ReasonSchema)["reason"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("The return request is sent to the center."),
    )


@bp.route("/assignments/<int:assignment_id>/return/approve", methods=["POST"])
@page_step(Step.DECIDE_RETURN)
def approve_return(assignment_id: int):
    from hotline.tracking.services import approve_return as approve_return_service

    ticket_id = _ticket_of_assignment(assignment_id)
    return _step(
        ticket_id,
        "action",
        ActionForm(),
        lambda f: approve_return_service(assignment_id, actor=actor(), now=_now(), settings=current_settings()),
        _("Return approved."),
    )


@bp.route("/assignments/<int:assignment_id>/return/reject", methods=["POST"])
@page_step(Step.DECIDE_RETURN)
def reject_return(assignment_id: int):
    from hotline.tracking.schemas import ReasonSchema
    from hotline.tracking.services import reject_return as reject_return_service

    ticket_id = _ticket_of_assignment(assignment_id)
    return _step(
        ticket_id,
        f"rej{assignment_id}",
        ReasonForm(prefix=f"rej{assignment_id}"),
        lambda f: reject_return_service(
            assignment_id, _body(f, ReasonSchema)["reason"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("Return rejected: the dispatch stands."),
    )


@bp.route("/assignments/<int:assignment_id>/feedback", methods=["POST"])
@page_step(Step.WORK)
def feedback(assignment_id: int):
    from hotline.tracking.schemas import FeedbackCreateSchema
    from hotline.tracking.services import add_feedback

    ticket_id = _ticket_of_assignment(assignment_id)

    def run(f: FeedbackForm):
        body = _body(f, FeedbackCreateSchema)
        return add_feedback(
            assignment_id, body["summary"], body["final"], actor=actor(), now=_now(), settings=current_settings()
        )

    return _step(
        ticket_id, f"fb{assignment_id}", FeedbackForm(prefix=f"fb{assignment_id}"), run, _("Feedback recorded.")
    )


@bp.route("/assignments/<int:assignment_id>/feedback/correction", methods=["POST"])
@page_step(Step.WORK)
def correct_feedback(assignment_id: int):
    """A corrected final feedback (a new entry; the first one stays in the history)."""
    from hotline.tracking.schemas import CorrectionSchema
    from hotline.tracking.services import correct_feedback as correct_feedback_service

    ticket_id = _ticket_of_assignment(assignment_id)
    return _step(
        ticket_id,
        f"fc{assignment_id}",
        CorrectionForm(prefix=f"fc{assignment_id}"),
        lambda f: correct_feedback_service(
            assignment_id, _body(f, CorrectionSchema)["summary"], actor=actor(), now=_now(), settings=current_settings()
        ),
        _("The corrected feedback is recorded."),
    )


@bp.route("/assignments/<int:assignment_id>/extensions", methods=["POST"])
@page_step(Step.WORK)
def request_extension(assignment_id: int):
    from hotline.tracking.schemas import ExtensionCreateSchema
    from hotline.tracking.services import request_extension as request_extension_service

    ticket_id = _ticket_of_assignment(assignment_id)

    def run(f: ExtensionForm):
        body = _body(f, ExtensionCreateSchema)
        return request_extension_service(
            assignment_id, body["days"], body["reason"], actor=actor(), now=_now(), settings=current_settings()
        )

    return _step(
        ticket_id,
        f"ext{assignment_id}",
        ExtensionForm(prefix=f"ext{assignment_id}"),
        run,
        _("The extension request is sent to the supervisors."),
    )


# --- extension decisions -------------------------------------------------------------------


def _ticket_of_extension(extension_id: int) -> int:
    from hotline.tracking import scoping

    return scoping.extension_for(actor(), extension_id).assignment.ticket_id


@bp.route("/extensions/<int:extension_id>/approve", methods=["POST"])
@page_step(Step.DECIDE_EXTENSION)
def approve_extension(extension_id: int):
    from hotline.tracking.services import approve_extension as approve_extension_service

    ticket_id = _ticket_of_extension(extension_id)
    return _step(
        ticket_id,
        "action",
        ActionForm(),
        lambda f: approve_extension_service(extension_id, actor=actor(), now=_now(), settings=current_settings()),
        _("Extension approved."),
    )


@bp.route("/extensions/<int:extension_id>/reject", methods=["POST"])
@page_step(Step.DECIDE_EXTENSION)
def reject_extension(extension_id: int):
    from hotline.tracking.schemas import ReasonSchema
    from hotline.tracking.services import reject_extension as reject_extension_service

    ticket_id = _ticket_of_extension(extension_id)
    # The page asks for the reason (the department must learn why); the API keeps it optional.
    return _step(
        ticket_id,
        f"xr{extension_id}",
        ReasonForm(prefix=f"xr{extension_id}"),
        lambda f: reject_extension_service(
            extension_id,
            actor=actor(),
            now=_now(),
            reason=_body(f, ReasonSchema)["reason"],
            settings=current_settings(),
        ),
        _("Extension rejected."),
    )
