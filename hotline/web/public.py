"""Pages anyone reaches: the public report form, the status look-up, staff sign-in and sign-out."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from hotline.auth.limits import sign_in_limits
from hotline.errors import NotFound, Unauthorized
from hotline.intake.limits import public_budget
from hotline.queues import get_redis
from hotline.settings import current_settings
from hotline.web import labels
from hotline.web.access import safe_next
from hotline.web.forms import LoginForm, ReportForm, StatusForm, attempt, payload
from hotline.web.templating import landing_url, ref_choices

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")


_name_limit, _address_limit = sign_in_limits(methods=["POST"])  # shared with the API's sign-in


def _no_store(response):
    """Pages showing a secret must not be kept by the browser or a proxy."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _report_choices(form: ReportForm) -> None:
    form.street.choices = ref_choices("streets", blank=_("Choose..."))
    form.child_gender.choices = labels.gender_choices()
    form.protection_types.choices = ref_choices("protection_types")


@bp.route("/", methods=["GET", "POST"])
@public_budget(methods=["POST"])
def report():
    """The public report form: mobile first, anonymous allowed."""
    from hotline.dispatch.services import reference_errors
    from hotline.intake.reports import ReportCreateSchema, submit_report

    form = ReportForm()
    _report_choices(form)
    problems: list[str] = []
    if form.validate_on_submit():
        body = payload(form)
        ok, result, problems = attempt(
            form,
            lambda: submit_report(
                ReportCreateSchema(codes=reference_errors).load(body),
                now=datetime.now(UTC),
                settings=current_settings(),
            ),
        )
        if ok:
            ticket, secret = result
            keep_receipt(ticket, secret)
            return redirect(url_for("web.report_done"), 303)
    status = 422 if form.is_submitted() and (problems or form.errors) else 200
    return render_template(
        "public/report.html",
        form=form,
        problems=problems,
        hints=labels.PROTECTION_HINT,
    ), status


def keep_receipt(ticket, secret: str) -> None:
    """Post/redirect/get: the receipt travels to the next GET in the session, once, so a
    reload of the receipt page (or the back button) never posts the report a second time."""
    session["receipt"] = {"id": ticket.id, "tracking_code": ticket.tracking_code, "secret": secret}


def take_receipt() -> dict | None:
    return session.pop("receipt", None)


@bp.route("/report/received")
def report_done():
    """The tracking code and secret, shown once; a reload says where to look the report up."""
    receipt = take_receipt()
    return _no_store(render_template("public/report_done.html", receipt=receipt))


@bp.route("/status", methods=["GET", "POST"])
@public_budget(methods=["POST"])
def status():
    """The reporter's look-up: tracking code and secret (posted, so neither lands in a URL or log)."""
    from hotline.intake.reports import lookup_report

    form = StatusForm()
    result, not_found = None, False
    if form.validate_on_submit():
        try:
            result = lookup_report(
                form.tracking_code.data.strip(),
                form.secret.data.strip(),
                settings=current_settings(),
                redis=get_redis(),
                now=datetime.now(UTC),
            )
        except NotFound:
            not_found = True
    code = 404 if not_found else 200
    return _no_store(render_template("public/status.html", form=form, result=result, not_found=not_found)), code


@bp.route("/login", methods=["GET", "POST"])
@_name_limit
@_address_limit
def login():
    from hotline.auth.services import authenticate

    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_url(current_user))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data.strip(), form.password.data)
        except Unauthorized:
            failed = True
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session on sign-in: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or landing_url(user))
    return render_template("login.html", form=form, failed=failed), 401 if failed else 200


@bp.route("/logout", methods=["POST"])
def logout():
    from hotline.auth.services import end_web_sessions

    lang = session.get("lang")
    if current_user.is_authenticated:
        end_web_sessions(current_user.id)  # copies of the cookie stop working too
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Any signed-in staff member changes their own password."""
    from hotline.auth.services import change_own_password
    from hotline.tickets.permissions import Step
    from hotline.web.access import actor, page_step
    from hotline.web.forms import PasswordChangeForm, own_paths

    @page_step(Step.ME)
    def view():
        form, problems = PasswordChangeForm(), []
        if form.validate_on_submit():
            if form.password.data != form.again.data:
                form.again.errors = [_("The two new passwords differ.")]
            else:
                ok, _user, problems = attempt(
                    form,
                    lambda: change_own_password(actor(), form.current.data, form.password.data, now=datetime.now(UTC)),
                    own_paths(form),
                )
                if ok:
                    flash(_("Your password is changed."), "success")
                    return redirect(landing_url(actor()))
        status = 422 if problems or form.errors else 200
        return render_template("account_password.html", form=form, problems=problems), status

    return view()


@bp.route("/home")
def home():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return redirect(url_for("web.login"))
