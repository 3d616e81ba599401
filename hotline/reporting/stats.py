"""Per-department figures (GET /api/v1/stats): the published KPIs of hotline practice.

The period
    ``from``..``to`` are local dates in HOTLINE_TIMEZONE, both included: the period runs from
    ``from`` 00:00 to the day after ``to`` 00:00, local time.

The cohort
    A department's cohort is its assignments (派单) dispatched in the period (``dispatched_at``
    in the period), whatever happened to them since. Every figure is about that cohort, as
    it stands at ``now`` (the moment the figures are computed). So the figures of a past
    month still change while its late work is being done, and the same question asked twice
    gives the same answer.

    An assignment *left unsigned* is one that ended ``returned`` (an approved return) or
    ``withdrawn`` (by the center: ticket cancelled, re-dispatched, or 撤回) without ever being
    signed for. A department's *handled tickets* are the tickets of its cohort assignments that
    did not end ``returned`` or ``withdrawn``.

The figures (each ``{"count", "rate", "of"}``: ``rate = count / of``, 4 decimals, null when ``of`` is 0)
    assigned          count: the cohort. of: all departments' cohorts (rate = the department's share).
    signed_on_time    及时签收率. count: signed for (``accepted_at``) at or before the sign-for deadline.
                      of: the cohort minus assignments left unsigned, minus those still pending whose
                      sign-for deadline has not come (not decided yet).
    feedback_on_time  按时办结率. count: final feedback given at or before the feedback deadline in
                      force (moved by approved extensions; after a reopen, the reopened round's).
                      of: the cohort minus assignments that ended ``returned`` or ``withdrawn`` (they
                      owe no feedback),
                      minus open ones whose feedback deadline has not come.
    returned          退单. count: assignments whose return the center approved. of: the cohort.
    extended          延期. count: assignments with at least one approved extension. of: the cohort.
    reopened          count: assignments sent back to work at least once (a supervisor's reopen or an
                      unsatisfied revisit). of: the cohort.
    open_overdue      count: assignments still open (pending, accepted or return requested) and past
                      the deadline they are held to at ``now`` (sign-for while pending, else feedback;
                      a waiting return keeps the clock of its previous state). of: the cohort.
    revisits          回访率. count: handled tickets revisited at least once (any outcome, unreachable
                      included). of: handled tickets that have been closed at least once.
    satisfaction      满意率. count: handled tickets whose latest revisit that reached the reporter
                      was ``satisfied`` or ``basically_satisfied``. of: handled tickets with at least one
                      revisit that reached the reporter (any outcome but ``unreachable``).

The total
    The same definitions over every department's cohort together. The assignment figures are
    the sums of the department rows; the ticket figures (revisits, satisfaction) count each
    ticket once, so a ticket two departments handled counts once in the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Assignment, Department, Revisit, TicketEvent
from hotline.tickets import lifecycle
from hotline.tickets.enums import AssignmentStatus
from hotline.tickets.watched import watched_due

FIGURES = (
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
LISTED_KINDS = ("bureau", "street")  # departments listed even with nothing assigned


@dataclass(frozen=True)
class _Row:
    id: int
    ticket_id: int
    department_id: int
    status: str
    status_before_return: str | None
    accepted_at: datetime | None
    sign_due_at: datetime
    feedback_due_at: datetime
    final_feedback_at: datetime | None
    returned_at: datetime | None
    extended_days: int


def period_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return (
        datetime.combine(start, time(0), tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )


def _figure(count: int, of: int) -> dict[str, Any]:
    return {"count": count, "rate": round(count / of, 4) if of else None, "of": of}


def _live(row: _Row) -> bool:
    return row.status in lifecycle.LIVE_ASSIGNMENT_STATES


def _assignment_figures(rows: list[_Row], everyone: int, reopened: set[int], now: datetime) -> dict[str, Any]:
    left_unsigned = [r for r in rows if r.status in lifecycle.ENDED_ASSIGNMENT_STATES and r.accepted_at is None]
    sign_undecided = [
        r
        for r in rows
        if r.status in (AssignmentStatus.PENDING, AssignmentStatus.RETURN_REQUESTED)
        and r.accepted_at is None
        and r.sign_due_at > now
    ]
    signed = [r for r in rows if r.accepted_at is not None and r.accepted_at <= r.sign_due_at]
    owing = [r for r in rows if r.status not in lifecycle.ENDED_ASSIGNMENT_STATES]
    fb_undecided = [r for r in owing if _live(r) and r.feedback_due_at > now]
    on_time = [r for r in owing if r.final_feedback_at is not None and r.final_feedback_at <= r.feedback_due_at]
    overdue = []
    for r in rows:
        due = watched_due(r) if _live(r) else None
        if due is not None and due < now:
            overdue.append(r)
    n = len(rows)
    return {
        "assigned": _figure(n, everyone),
        "signed_on_time": _figure(len(signed), n - len(left_unsigned) - len(sign_undecided)),
        "feedback_on_time": _figure(len(on_time), len(owing) - len(fb_undecided)),
        "returned": _figure(sum(1 for r in rows if r.returned_at is not None), n),
        "extended": _figure(sum(1 for r in rows if (r.extended_days or 0) > 0), n),
        "reopened": _figure(sum(1 for r in rows if r.id in reopened), n),
        "open_overdue": _figure(len(overdue), n),
    }


def _ticket_figures(tickets: set[int], closed: set[int], revisits: dict[int, list[str]]) -> dict[str, Any]:
    revisited = {t for t in tickets if revisits.get(t)}
    reached: dict[int, str] = {}
    for t in tickets:
        outcomes = [o for o in revisits.get(t, []) if o in lifecycle.REACHED_OUTCOMES]
        if outcomes:
            reached[t] = outcomes[-1]
    satisfied = [t for t, outcome in reached.items() if outcome in lifecycle.SATISFIED_OUTCOMES]
    return {
        "revisits": _figure(len(revisited), len(tickets & closed)),
        "satisfaction": _figure(len(satisfied), len(reached)),
    }


def compute_stats(start: date, end: date, *, now: datetime, tz: str) -> dict[str, Any]:
    """The figures for the period ``start``..``end`` (local dates, inclusive) as of ``now``."""
    begin, finish = period_bounds(start, end, tz)
    cohort = (
        sa.select(
            Assignment.id,
            Assignment.ticket_id,
            Assignment.department_id,
            Assignment.status,
            Assignment.status_before_return,
            Assignment.accepted_at,
            Assignment.sign_due_at,
            Assignment.feedback_due_at,
            Assignment.final_feedback_at,
            Assignment.returned_at,
            Assignment.extended_days,
        )
        .where(Assignment.dispatched_at >= begin, Assignment.dispatched_at < finish)
        .order_by(Assignment.id)
    )
    rows = [_Row(*r) for r in db.session.execute(cohort)]
    ids = cohort.with_only_columns(Assignment.id).order_by(None)
    ticket_ids = cohort.with_only_columns(Assignment.ticket_id).order_by(None)
    reopened = set(
        db.session.scalars(
            sa.select(TicketEvent.assignment_id).where(
                TicketEvent.action == "assignment.reopen", TicketEvent.assignment_id.in_(ids)
            )
        )
    )
    closed = set(
        db.session.scalars(
            sa.select(TicketEvent.ticket_id).where(TicketEvent.action == "close", TicketEvent.ticket_id.in_(ticket_ids))
        )
    )
    revisits: dict[int, list[str]] = defaultdict(list)
    for ticket_id, outcome in db.session.execute(
        sa.select(Revisit.ticket_id, Revisit.outcome)
        .where(Revisit.ticket_id.in_(ticket_ids))
        .order_by(Revisit.created_at, Revisit.id)
    ):
        revisits[ticket_id].append(outcome)

    by_department: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_department[row.department_id].append(row)
    departments = db.session.scalars(
        sa.select(Department)
        .where(
            sa.or_(
                sa.and_(Department.active.is_(True), Department.kind.in_(LISTED_KINDS)),
                Department.id.in_(list(by_department)),
            )
        )
        .order_by(Department.id)
    ).all()

    def figures(group: list[_Row]) -> dict[str, Any]:
        handled = {r.ticket_id for r in group if r.status not in lifecycle.ENDED_ASSIGNMENT_STATES}
        return _assignment_figures(group, len(rows), reopened, now) | _ticket_figures(handled, closed, revisits)

    return {
        "from": start,
        "to": end,
        "timezone": tz,
        "as_of": now,
        "departments": [
            {"bureau": d.code, "name": d.name, "name_en": d.name_en} | figures(by_department.get(d.id, []))
            for d in departments
        ],
        "total": figures(rows),
    }
