"""Pages of children's files: the street office's list (late visits first), a file with its
visits and tickets, the visit form (made for a phone), opening a file, the survey import,
and the leading group's printable monthly report with its charts.

Each page parses the form with the API's schema (the same 422 rules, shown beside the
fields), calls one service, and redirects or renders. The services scope everything: a
street office sees its street's files; other departments are refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from hotline.children import importing, schedule
from hotline.children import services as files
from hotline.children.schemas import ChildFileCreateSchema, ChildFileQuerySchema, VisitCreateSchema
from hotline.errors import DomainError, ValidationError
from hotline.settings import current_settings
from hotline.tickets.enums import DEFAULT_URGENCY
from hotline.tickets.permissions import Step
from hotline.uploads import allow_upload
from hotline.web import charts
from hotline.web.access import actor, page_step
from hotline.web.templating import ref_name

bp = Blueprint("children_pages", __name__, url_prefix="/children")
reports = Blueprint("reports_pages", __name__, url_prefix="/reports")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    from hotline.web.i18n import is_english
    from hotline.web.templating import reference

    def service_name(code: str) -> str:
        item = files.service_codes().get(code) or {}
        return (item.get("name_en") if is_english() else item.get("name")) or code

    return {"service_name": service_name, "ref_lists": lambda kind: list(reference().get(kind, {}).items())}


def _now() -> datetime:
    return datetime.now(UTC)


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])


def _flat(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested schema errors as ``{"field.sub": [messages]}`` for the page."""
    found: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            found.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and all(isinstance(m, str) for m in errors):
        found[prefix or "_schema"] = list(errors)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            found.update(_flat(value, f"{prefix}.{index}"))
    return found


def _local_moment(text: str) -> str:
    """A ``datetime-local`` value (local wall time, no offset) as ISO 8601 with the offset."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=_tz())).isoformat()


@bp.route("/")
@page_step(Step.READ_CHILDREN)
def index():
    args = {k: v for k, v in request.args.items() if v and k in ChildFileQuerySchema().fields}
    try:
        filters = ChildFileQuerySchema().load(args)
    except ma.ValidationError as exc:
        raise ValidationError(_("Check the filters."), exc.messages) from exc
    filters.setdefault("status", "open")
    filters["per_page"] = 200
    result = files.list_files(filters, actor=actor(), now=_now(), settings=current_settings())
    return render_template(
        "children/index.html", result=result, filters=filters, street=files.street_of(actor()), now=_now()
    )


@bp.route("/new", methods=["GET", "POST"])
@page_step(Step.OPEN_CHILD_FILE)
def new():
    me, errors, values = actor(), {}, MultiDict()
    if request.method == "POST":
        values = request.form
        data = {
            "name": values.get("name", "").strip(),
            "gender": values.get("gender") or None,
            "birth_date": values.get("birth_date") or None,
            "street": files.street_of(me) or values.get("street", ""),
            "address": values.get("address") or None,
            "situations": values.getlist("situations"),
            "risk": values.get("risk", ""),
            "guardians": [
                {
                    "name": values["guardian_name"],
                    "relation": values.get("guardian_relation"),
                    "phone": values.get("guardian_phone"),
                }
            ]
            if values.get("guardian_name")
            else [],
        }
        if values.get("visit_every_days"):
            data["visit_every_days"] = values["visit_every_days"]
        try:
            child = files.create_file(
                ChildFileCreateSchema().load(data), actor=me, now=_now(), settings=current_settings()
            )
        except ma.ValidationError as exc:
            errors = _flat(exc.messages)
        except ValidationError as exc:
            errors = _flat(exc.errors or {})
        else:
            flash(_("File %(n)s opened.", n=child.number), "success")
            return redirect(url_for("children_pages.detail", child_id=child.id))
    return render_template(
        "children/new.html", errors=errors, values=values, street=files.street_of(me), risks=schedule.RISKS
    )


@bp.route("/<int:child_id>")
@page_step(Step.READ_CHILDREN)
def detail(child_id: int):
    view = files.get_file(child_id, actor=actor(), now=_now(), via="web", settings=current_settings())
    return render_template("children/detail.html", child=view, now=_now())


@bp.route("/<int:child_id>/visit", methods=["GET", "POST"])
@page_step(Step.KEEP_CHILD_FILE)
def visit(child_id: int):
    me, errors, values = actor(), {}, MultiDict()
    if request.method == "POST":
        values = request.form
        data: dict[str, Any] = {
            "visited_at": _local_moment(values.get("visited_at", "")),
            "kind": values.get("kind", ""),
            "findings": values.get("findings", "").strip(),
            "services": values.getlist("services"),
        }
        if values.get("refer"):
            data["refer"] = {
                "protection_types": values.getlist("refer_protection_types"),
                "description": values.get("refer_description", "").strip(),
                "urgency": values.get("refer_urgency") or DEFAULT_URGENCY,
            }
        try:
            result = files.record_visit(
                child_id, VisitCreateSchema().load(data), actor=me, now=_now(), settings=current_settings()
            )
        except ma.ValidationError as exc:
            errors = _flat(exc.messages)
        except ValidationError as exc:
            errors = _flat(exc.errors or {})
        else:
            if result["referral_ticket_id"]:
                flash(
                    _(
                        "Visit recorded. Referral ticket %(n)s created and dispatched.",
                        n=result["referral_ticket_number"],
                    ),
                    "success",
                )
            else:
                flash(_("Visit recorded."), "success")
            return redirect(url_for("children_pages.detail", child_id=child_id))
    child = files.file_for(me, child_id)
    default_time = _now().astimezone(_tz()).strftime("%Y-%m-%dT%H:%M")
    return render_template(
        "children/visit.html",
        child=child,
        errors=errors,
        values=values,
        default_time=default_time,
        services=files.service_codes(),
        kinds=schedule.VISIT_KINDS,
    )


@bp.route("/<int:child_id>/close", methods=["POST"])
@page_step(Step.KEEP_CHILD_FILE)
def close(child_id: int):
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("Give a reason to close the file."), "error")
    else:
        try:
            files.close_file(child_id, reason, actor=actor(), now=_now(), settings=current_settings())
            flash(_("File closed."), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("children_pages.detail", child_id=child_id))


@bp.route("/import", methods=["GET", "POST"])
@page_step(Step.IMPORT_CHILDREN)
def survey_import():
    result = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            result = {
                "created": 0,
                "updated": 0,
                "errors": [{"row": 1, "field": "file", "message": _("Choose a file.")}],
            }
        else:
            try:
                result = importing.import_survey(upload.read(), actor=actor(), now=_now(), settings=current_settings())
            except ValidationError as exc:
                messages = _flat(exc.errors or {}).get("file") or [exc.message]
                result = {
                    "created": 0,
                    "updated": 0,
                    "errors": [{"row": 1, "field": "file", "message": m} for m in messages],
                }
    return render_template("children/import.html", result=result)


allow_upload("children_pages.survey_import", "HOTLINE_IMPORT_MAX_BYTES")


@bp.route("/import/template.<any(xlsx, csv):fmt>")
@page_step(Step.IMPORT_CHILDREN)
def survey_template(fmt: str):
    content, mimetype, filename = importing.template(fmt)
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


# --- the monthly report --------------------------------------------------------------------------


def _month_arg() -> str:
    text = request.args.get("month", "")
    if text:
        return text
    today = _now().astimezone(_tz()).date()
    last = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    return f"{last:%Y-%m}"


@reports.route("/monthly")
@page_step(Step.SUPERVISE)
def monthly():
    from hotline.reporting.monthly import monthly_report

    month = _month_arg()
    report = monthly_report(month, now=_now(), tz=current_app.config["HOTLINE_TIMEZONE"])
    timeliness = charts.rate_bars(
        [
            (ref_name(d["bureau"], "bureaus"), d["signed_on_time_rate"], d["feedback_on_time_rate"])
            for d in report["departments"]
            if d["assigned"]
        ],
        title=_("Signed for on time and answered on time, per department"),
        labels=(_("Signed on time"), _("Feedback on time")),
    )
    visits = charts.rate_bars(
        [
            (ref_name(v["street"], "streets"), v["done_rate"], (v["on_time"] / v["done"]) if v["done"] else None)
            for v in report["visits"]
        ],
        title=_("Visits done of those due, and on time, per street"),
        labels=(_("Done of due"), _("On time")),
    )
    return render_template("children/monthly.html", report=report, timeliness=timeliness, visits=visits)


@reports.route("/monthly.xlsx")
@page_step(Step.SUPERVISE)
def monthly_xlsx():
    from hotline.reporting.monthly import monthly_report, report_xlsx

    report = monthly_report(_month_arg(), now=_now(), tz=current_app.config["HOTLINE_TIMEZONE"])
    return Response(
        report_xlsx(report),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="monthly-{report["month"]}.xlsx"',
            "Cache-Control": "no-store",
        },
    )
