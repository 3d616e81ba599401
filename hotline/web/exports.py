"""Exports: tickets and the monthly per-department figures as CSV and XLSX (supervisor, admin).

Ticket exports carry personal data: the export service records one access-log row per ticket
(``hotline.reporting.exports``). The figures carry none. Column titles and code names are in the
page's language; every cell goes through ``spreadsheets.neutralise``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _

from hotline.bounds import MAX_YEAR, MIN_YEAR
from hotline.errors import ValidationError
from hotline.reporting import spreadsheets
from hotline.settings import current_settings
from hotline.tickets.permissions import Step
from hotline.web import labels
from hotline.web.access import actor, page_step
from hotline.web.supervisor import local_today, month_bounds, period_from_args
from hotline.web.templating import localtime, ref_name

bp = Blueprint("exports", __name__, url_prefix="/exports")

TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FIGURE_COLUMNS = (
    "assigned",
    "signed_on_time",
    "feedback_on_time",
    "returned",
    "extended",
    "reopened",
    "open_overdue",
    "revisits",
    "satisfaction",
)


def _file(fmt: str, name: str, title: str, header: list[str], rows: list[list]) -> Response:
    if fmt == "csv":
        body = spreadsheets.to_csv(header, rows)
    else:
        body = spreadsheets.to_xlsx(title, header, rows)
    return Response(
        body,
        mimetype=TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"},
    )


def _names(codes, kind: str) -> str:
    return "、".join(ref_name(code, kind) for code in codes or ())


@bp.route("/tickets.<any(csv, xlsx):fmt>")
@page_step(Step.SUPERVISE)
def tickets(fmt: str):
    from hotline.reporting.exports import export_tickets

    start, end, problems = period_from_args()
    if problems:
        raise ValidationError("; ".join(problems))
    filters = {key: request.args[key] for key in ("status", "urgency", "channel", "bureau") if request.args.get(key)}
    rows = export_tickets(start, end, filters, actor=actor(), now=datetime.now(UTC), tz=current_settings().timezone)
    header = [
        _("Number"),
        _("Received"),
        _("Channel"),
        _("Status"),
        _("Urgency"),
        _("Protection types"),
        _("Child's situation"),
        _("Street or town"),
        _("Address"),
        _("Child's name"),
        _("Child's age"),
        _("Child's gender"),
        _("Description"),
        _("Reporter"),
        _("Reporter's phone"),
        _("Anonymous"),
        _("Departments"),
        _("Closed"),
    ]
    body = [
        [
            r["number"],
            localtime(r["created_at"]),
            labels.label(labels.CHANNEL, r["channel"]),
            labels.label(labels.TICKET_STATUS, r["status"]),
            ref_name(r["urgency"], "urgencies"),
            _names(r["protection_types"], "protection_types"),
            _names(r["subject_categories"], "subject_categories"),
            ref_name(r["street"], "streets"),
            r["address"],
            r["child_name"],
            r["child_age"],
            labels.label(labels.GENDER, r["child_gender"]),
            r["description"],
            r["reporter_name"],
            r["reporter_phone"],
            _("Yes") if r["reporter_anonymous"] else _("No"),
            "；".join(
                f"{ref_name(b, 'bureaus')} {labels.label(labels.ASSIGNMENT_ROLE, role)} {labels.label(labels.ASSIGNMENT_STATUS, s)}"
                for b, role, s in r["assignments"]
            ),
            localtime(r["closed_at"]),
        ]
        for r in rows
    ]
    return _file(fmt, f"tickets-{start.isoformat()}-{end.isoformat()}", _("Tickets"), header, body)


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month() -> date:
    raw = request.args.get("month")
    if not raw:
        return local_today().replace(day=1)
    match = MONTH.match(raw)
    if not match or not 1 <= int(match.group(2)) <= 12 or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        abort(400)
    return date(int(match.group(1)), int(match.group(2)), 1)


@bp.route("/figures.<any(csv, xlsx):fmt>")
@page_step(Step.SUPERVISE)
def figures(fmt: str):
    """One month's per-department figures: a count, base and rate for each figure."""
    from hotline.reporting.services import stats

    start, end = month_bounds(_month())
    result = stats(start, end, now=datetime.now(UTC), tz=current_settings().timezone)
    titles = {
        "assigned": _("Assigned"),
        "signed_on_time": _("Signed on time"),
        "feedback_on_time": _("Feedback on time"),
        "returned": _("Returned"),
        "extended": _("Extended"),
        "reopened": _("Reopened"),
        "open_overdue": _("Open overdue"),
        "revisits": _("Revisited"),
        "satisfaction": _("Satisfied"),
    }
    header = [_("Department"), _("Code")]
    for key in FIGURE_COLUMNS:
        header += [titles[key], _("%(figure)s: out of", figure=titles[key]), _("%(figure)s: rate", figure=titles[key])]

    def line(name: str, code: str, figures: dict) -> list:
        cells: list = [name, code]
        for key in FIGURE_COLUMNS:
            f = figures[key]
            cells += [f["count"], f["of"], "" if f["rate"] is None else f["rate"]]
        return cells

    body = [line(ref_name(d["bureau"], "bureaus"), d["bureau"], d) for d in result["departments"]]
    body.append(line(_("Total"), "", result["total"]))
    month = start.strftime("%Y-%m")
    return _file(fmt, f"figures-{month}", _("Figures %(month)s", month=month), header, body)
