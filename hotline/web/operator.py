"""The operator console: the triage queue, calls to take and to call back, return requests to
decide, and the log-a-call form with its live dispatch preview."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hotline.errors import NotFound
from hotline.reference.services import current_reference
from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.web import labels
from hotline.web.access import actor, page_step, safe_next
from hotline.web.forms import ActionForm, CallTicketForm, attempt, payload
from hotline.web.public import keep_receipt, take_receipt
from hotline.web.templating import ref_choices

bp = Blueprint("operator", __name__, url_prefix="/operator")


def _now() -> datetime:
    return datetime.now(UTC)


@bp.route("/")
@page_step(Step.CALLS)
def console():
    from hotline.intake.calls import list_calls
    from hotline.tracking.services import list_tickets

    me, now = actor(), _now()
    triage = list_tickets({"status": "new", "per_page": 200}, actor=me, now=now)
    # Emergencies first, then the longest waiting: the order a person should take them in.
    reference = current_reference()  # one urgency order: the reference data's rank
    triage["items"].sort(key=lambda t: (reference.rank(t.urgency), t.created_at))
    returns = list_tickets({"view": "return_requested", "per_page": 100}, actor=me, now=now)
    # Closed and not yet revisited: once the revisit is recorded the ticket leaves the list.
    closed = list_tickets({"status": "closed", "revisited": False, "per_page": 10}, actor=me, now=now)
    return render_template(
        "operator/console.html",
        triage=triage,
        returns=returns,
        closed=closed,
        active=list_calls(status="in_progress", per_page=20),
        ringing=list_calls(status="ringing", per_page=20),
        missed=list_calls(status="missed", per_page=100),
        form=ActionForm(formdata=None),
        now=now,
    )


@bp.route("/calls/<call_sid>/called-back", methods=["POST"])
@page_step(Step.CALLS)
def called_back(call_sid: str):
    from hotline.intake.calls import mark_called_back

    if not ActionForm().validate_on_submit():
        abort(400)
    ok, _result, problems = attempt(None, lambda: mark_called_back(call_sid, actor(), _now()))
    flash(_("Marked as called back.") if ok else "; ".join(problems), "success" if ok else "error")
    return redirect(safe_next(request.args.get("next")) or url_for("operator.console"))


def _call_form(call: dict | None) -> CallTicketForm:
    form = CallTicketForm()
    form.street.choices = ref_choices("streets", blank=_("Choose..."))
    form.child_gender.choices = labels.gender_choices()
    form.protection_types.choices = ref_choices("protection_types")
    form.primary_type.choices = ref_choices("protection_types", blank=_("Choose..."))
    form.subject_categories.choices = ref_choices("subject_categories")
    form.urgency.choices = ref_choices("urgencies", blank=_("Choose..."))
    form.channel.choices = [(code, str(name)) for code, name in labels.CHANNEL.items()]
    if not form.is_submitted():
        form.channel.data = "phone"  # 登记来电: a call unless the operator says otherwise
        if call:
            form.call_sid.data = call["call_sid"]
            from hotline.intake.calls import caller_number

            form.reporter_phone.data = caller_number(call["from"]) or ""
            if call.get("menu_choice") == "1":
                form.urgency.data = current_reference().emergency_code()
    return form


def _call_and_context(call_sid: str | None) -> tuple[dict | None, dict | None]:
    from hotline.intake.calls import call_context

    if not call_sid:
        return None, None
    try:
        context = call_context(call_sid, actor=actor(), now=_now())
    except NotFound:
        abort(404)
    return context["call"], context


@bp.route("/calls/new", methods=["GET", "POST"])
@page_step(Step.CREATE_TICKET)
def log_call():
    """Register a call as a ticket; with ``?call_sid=`` the caller's number and history come
    from the call log. Dispatch runs in the same request (the rules, as previewed)."""
    from hotline.dispatch.schemas import TicketCreateSchema
    from hotline.dispatch.services import reference_errors
    from hotline.intake.calls import list_calls
    from hotline.intake.tickets import create_ticket

    call_sid = request.values.get("call_sid") or request.form.get("call_sid") or None
    call, context = _call_and_context(call_sid)
    form = _call_form(call)
    problems: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)

        def create():
            data = TicketCreateSchema(codes=reference_errors).load(payload(form))
            channel = data.pop("channel")
            return create_ticket(data, channel=channel, actor=actor(), now=_now(), settings=current_settings())

        ok, created, problems = attempt(form, create)
        if ok:
            ticket, secret = created
            keep_receipt(ticket, secret)
            return redirect(url_for("operator.registered", ticket_id=ticket.id), 303)
    active = list_calls(status="in_progress", per_page=20)["items"] if call is None else []
    return render_template(
        "operator/log_call.html",
        form=form,
        call=call,
        context=context,
        active=active,
        problems=problems,
    ), (422 if problems or form.errors else 200)


@bp.route("/tickets/<int:ticket_id>/registered")
@page_step(Step.CREATE_TICKET)
def registered(ticket_id: int):
    """The code and secret to read to the caller, once (post/redirect/get: a reload registers
    nothing again; it shows the ticket instead)."""
    from hotline.tracking.services import get_ticket

    receipt = take_receipt()
    if not receipt or receipt["id"] != ticket_id:
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    ticket = get_ticket(ticket_id, actor=actor(), now=_now(), via="web")
    response = render_template("operator/created.html", ticket=ticket, secret=receipt["secret"])
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/calls/preview", methods=["POST"])
@page_step(Step.PREVIEW_DISPATCH)
def preview():
    """The dispatch the rules would make for the form as it stands (an HTML fragment for fetch()).
    The same form-to-body mapping and preview service as a real submission; stores nothing."""
    from hotline.dispatch.schemas import PreviewSchema
    from hotline.dispatch.services import preview_dispatch, reference_errors

    form = _call_form(None)
    body = payload(form)
    body.pop("call_sid", None)
    ok, decision, problems = attempt(None, lambda: preview_dispatch(PreviewSchema(codes=reference_errors).load(body)))
    return render_template("operator/_preview.html", decision=decision, problems=problems, ok=ok)
