"""The supervisor's board (overdue queue, extension requests, tickets to verify) and the
per-department figures with their charts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from hotline.settings import current_settings
from hotline.tickets.enums import ExtensionStatus
from hotline.tickets.permissions import Step
from hotline.web import charts, labels
from hotline.web.access import actor, page_step
from hotline.web.forms import ActionForm, ReasonForm, attempt
from hotline.web.templating import ref_name

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

REFRESH_SECONDS = 30


def _now() -> datetime:
    return datetime.now(UTC)


def _overdue(now: datetime) -> dict:
    from hotline.escalation.overdue import overdue_queue

    return overdue_queue(now)


@bp.route("/")
@page_step(Step.SUPERVISE)
def board():
    from hotline.tracking.services import list_extensions, list_tickets

    me, now = actor(), _now()
    extensions = list_extensions(actor=me, status=ExtensionStatus.PENDING, per_page=100)
    return render_template(
        "supervisor/board.html",
        overdue=_overdue(now),
        extensions=extensions,
        reject_forms={x.id: ReasonForm(formdata=None, prefix=f"xr{x.id}") for x in extensions["items"]},
        verify=list_tickets({"status": "awaiting_verification", "per_page": 100}, actor=me, now=now),
        form=ActionForm(formdata=None),
        now=now,
        refresh=REFRESH_SECONDS,
    )


@bp.route("/overdue")
@page_step(Step.SUPERVISE)
def overdue_fragment():
    """The overdue queue alone: the board's script swaps it in every REFRESH_SECONDS."""
    now = _now()
    return render_template("supervisor/_overdue.html", overdue=_overdue(now), now=now)


# --- figures -------------------------------------------------------------------------------


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])).date()


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def period_from_args() -> tuple[date, date, list[str]]:
    """``?from=&to=`` (local dates); this month so far by default."""
    from hotline.reporting.schemas import StatsQuerySchema

    raw = {key: request.args[key] for key in ("from", "to") if request.args.get(key)}
    ok, loaded, problems = attempt(None, lambda: StatsQuerySchema().load(raw))
    today = local_today()
    start = (loaded or {}).get("from_") or today.replace(day=1)
    end = (loaded or {}).get("to") or max(today, start)
    if start > end:
        start, end = end, start
    return start, end, problems


@bp.route("/figures")
@page_step(Step.SUPERVISE)
def figures():
    from hotline.reporting.services import stats as compute_stats
    from hotline.reporting.volume import weekly_volume

    start, end, problems = period_from_args()
    stats = compute_stats(start, end, now=_now(), tz=current_settings().timezone)
    volume = weekly_volume(start, end, tz=current_app.config["HOTLINE_TIMEZONE"])
    busy = [d for d in stats["departments"] if d["assigned"]["count"]]
    rates = charts.rate_bars(
        [(ref_name(d["bureau"], "bureaus"), d["signed_on_time"]["rate"], d["feedback_on_time"]["rate"]) for d in busy],
        title=_("On-time sign-for and feedback rates per department"),
        labels=(_("Signed for on time"), _("Feedback on time")),
    )
    names = [(ref_name(s["code"], "protection_types") if s["code"] else _("Not set yet")) for s in volume["series"]]
    weekly = charts.stacked_weeks(
        [week.strftime("%m-%d") for week in volume["weeks"]],
        [(name, s["counts"]) for name, s in zip(names, volume["series"], strict=True)],
        title=_("Reports per week by protection type"),
    )
    this_month = month_bounds(local_today())
    last_month = month_bounds(this_month[0] - timedelta(days=1))
    return render_template(
        "supervisor/figures.html",
        stats=stats,
        volume=volume,
        start=start,
        end=end,
        problems=problems,
        rates_chart=rates,
        weekly_chart=weekly,
        rates_legend=charts.legend(
            [(_("Signed for on time"), charts.SIGN_COLOUR), (_("Feedback on time"), charts.FEEDBACK_COLOUR)]
        ),
        weekly_legend=charts.legend([(name, charts.PALETTE[i % len(charts.PALETTE)]) for i, name in enumerate(names)]),
        presets=[(_("This month"), this_month), (_("Last month"), last_month)],
        month=start.strftime("%Y-%m"),
    )


@bp.route("/messages")
@page_step(Step.READ_MESSAGES)
def messages():
    """The SMS the service has sent (and failed to send), newest first, by status and kind."""
    from hotline.notify.services import list_messages

    filters: dict = {}
    if request.args.get("status") in labels.MESSAGE_STATUS:
        filters["status"] = request.args["status"]
    if request.args.get("kind") in labels.MESSAGE_KIND:
        filters["kind"] = request.args["kind"]
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    found = list_messages(dict(filters, page=page, per_page=50))
    return render_template(
        "supervisor/messages.html",
        found=found,
        filters=filters,
        page=page,
        pages=max(1, -(-found["total"] // 50)),
        statuses=labels.MESSAGE_STATUS,
        kinds=labels.MESSAGE_KIND,
    )


# --- the access log ----------------------------------------------------------------------------

ACCESS_LOG_PER_PAGE = 50
ACCESS_LOG_FILTERS = ("user", "from", "to", "ticket_id", "child_id")


def _access_log_problems(errors: dict) -> list[str]:
    """What was wrong with the filters, in the page's words (one line per bad filter)."""
    words = {
        "from": _("Start date: enter a date (YYYY-MM-DD, 1900–2200) not after the end date."),
        "to": _("End date: enter a date (YYYY-MM-DD, 1900–2200)."),
        "ticket_id": _("Ticket: not a valid ticket id."),
        "child_id": _("Child's file: not a valid file id."),
        "user": _("User: not a valid user name."),
    }
    return [words.get(key, _("A filter is not valid.")) for key in errors if key in words] or [
        _("A filter is not valid.")
    ]


@bp.route("/access-log")
@page_step(Step.AUDIT)
def access_log():
    """Who read which child's data, when, how and from where (the review of GET /api/v1/access-log),
    by user and by date. Showing the log is not itself a read of a child's data."""
    import marshmallow as ma

    from hotline.audit.schemas import AccessLogQuerySchema
    from hotline.audit.services import list_access_log, readers
    from hotline.auth.services import list_users

    raw = {key: request.args[key].strip() for key in ACCESS_LOG_FILTERS if request.args.get(key, "").strip()}
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    problems: list[str] = []
    try:
        filters = AccessLogQuerySchema().load({**raw, "page": page, "per_page": ACCESS_LOG_PER_PAGE})
    except ma.ValidationError as exc:
        problems = _access_log_problems(exc.messages if isinstance(exc.messages, dict) else {})
        filters = None
    found = list_access_log(filters, tz=current_settings().timezone) if filters else {"items": [], "total": 0}
    return render_template(
        "supervisor/access_log.html",
        found=found,
        readers=readers(filters, tz=current_settings().timezone) if filters else [],
        filters=raw,
        chosen=filters or {},
        problems=problems,
        users=list_users(),
        page=page,
        pages=max(1, -(-found["total"] // ACCESS_LOG_PER_PAGE)),
        today=local_today(),
        via_name=labels.via_label,
    ), (422 if problems else 200)
