"""The overdue chaser: one pass takes the due rung of the ladder for every assignment that
needs it, and the supervisors' daily digest.

Run every minute by ``rq cron`` (``workers.jobs.chase_overdue``) and by
``flask --app wsgi hotline chase-overdue [--at ISO8601]``: the same function.

- The work list is an index range scan on ``assignments.next_escalation_at <= now``, in
  batches, so a pass costs what is due, not what is open. On PostgreSQL the rows are
  claimed with ``FOR UPDATE SKIP LOCKED``: several chasers can run at once, each on its own
  rows.
- Each step is an ``escalation_steps`` row (unique per assignment, deadline kind, due_at
  and level), inserted with ``ON CONFLICT DO NOTHING`` in the same transaction as its
  outbox messages and its event: a step fires once, or not at all, whatever crashes.
- Messages go the normal way (outbox rows, enqueued after commit, swept if Redis was
  down). Non-emergency messages created in quiet hours carry ``not_before`` = the end of
  quiet hours; messages about an emergency ticket never wait.
- The ticket's status never changes; the assignment's ``next_escalation_at`` moves to the
  next rung (NULL when the ladder is done) and ``escalation_level`` to the level reached.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hotline.escalation import hooks
from hotline.escalation.overdue import overdue_by_department
from hotline.extensions import db
from hotline.models import Assignment, DigestRun, EscalationStep, MessageKind
from hotline.notify import templates
from hotline.notify.contacts import Directory
from hotline.notify.outbox import add_message
from hotline.reference.services import configured_ladder, current_reference
from hotline.tickets import ladder as ladder_module
from hotline.tickets.ladder import Ladder, Rung, plan, quiet_until, watched_deadline, window_start
from hotline.tracking.transitions import record_event

log = logging.getLogger(__name__)

BATCH_SIZE = 200
KIND_WORDS = {"sign": "签收", "feedback": "办理反馈"}
DIGEST_DEPARTMENTS = 8  # the SMS names the worst few departments, then "等N个部门"


@dataclass
class ChaseResult:
    at: datetime
    tz: str = ladder_module.DEFAULT_TZ
    looked: int = 0
    fired: Counter = field(default_factory=Counter)  # level -> steps taken
    skipped: int = 0  # lower rungs passed over because a higher one was due too
    already: int = 0  # steps another chaser had taken
    messages: int = 0
    deferred: int = 0  # messages waiting for the end of quiet hours
    unreachable: int = 0  # steps taken with nobody to tell (no contacts kept)
    finished: int = 0  # assignments whose ladder is done or that are no longer chased
    visits: object = None  # hotline.children.chaser.VisitChaseResult: late visits, a step of the same pass

    def summary(self) -> str:
        local = self.at.astimezone(ZoneInfo(self.tz)).isoformat(timespec="minutes")
        levels = (
            ", ".join(f"level {level}: {self.fired[level]}" for level in sorted(self.fired) if level >= 1)
            or "no escalations"
        )
        return (
            f"chase-overdue at {local}: {self.looked} assignments looked at, {self.fired[0]} reminders, {levels}, "
            f"{self.skipped} missed rungs skipped, {self.messages} SMS queued ({self.deferred} held for quiet hours), "
            f"{self.unreachable} steps without contacts, {self.already} already taken elsewhere"
            + (f"; {self.visits.summary()}" if self.visits is not None else "")
        )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the chaser's time must be timezone-aware")
    return moment.astimezone(UTC)


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_ignoring_duplicates(table: sa.Table, rows: list[dict], unique: list[str], returning: sa.Column) -> list:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, one cached statement for any number of rows;
    returns ``returning`` of the rows actually inserted."""
    if _is_postgres():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).on_conflict_do_nothing(index_elements=unique).returning(returning)
    return list(db.session.execute(statement, rows).scalars())


def store_ladder_positions(table: sa.Table, updates: list[dict]) -> None:
    """Write each chased row's next rung and level in one executemany (``b_id``, ``b_version``,
    ``b_next``, ``b_level``); a row changed since it was read (its version moved) is left alone.
    Assignments and children's files share it (``hotline.children.chaser``)."""
    if updates:
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"), table.c.version == sa.bindparam("b_version"))
            .values(next_escalation_at=sa.bindparam("b_next"), escalation_level=sa.bindparam("b_level")),
            updates,
        )


def _template(level: int) -> str:
    return templates.ladder_template("chase", level)


class _Pass:
    """One chaser pass: what it loads once and what it counts."""

    def __init__(self, now: datetime, ladder: Ladder):
        self.now = now
        self.ladder = ladder
        self.directory = Directory()
        self.reference = current_reference()
        self.result = ChaseResult(now, ladder.tz)

    def batch(self, rows: list[Assignment]) -> None:
        now, result = self.now, self.result
        fired = self._fired([row.id for row in rows])
        plans, steps, updates = {}, [], []
        for row in rows:
            result.looked += 1
            watched = watched_deadline(row)
            if watched is None:
                updates.append(
                    {"b_id": row.id, "b_version": row.version, "b_next": None, "b_level": row.escalation_level}
                )
                result.finished += 1
                continue
            decided = plan(
                self.ladder, window_start(row, watched.due_at), watched.due_at, fired[(row.id, watched)], now
            )
            plans[row.id] = (row, watched, decided)
            if decided.fire is not None:
                steps.append(
                    {
                        "assignment_id": row.id,
                        "deadline_kind": watched.kind,
                        "due_at": watched.due_at,
                        "level": decided.fire.level,
                        "fired_at": now,
                    }
                )
            updates.append(
                {"b_id": row.id, "b_version": row.version, "b_next": decided.next_at, "b_level": decided.level}
            )
            result.finished += decided.next_at is None
            result.skipped += len(decided.skipped)
        taken: set[int] = set()
        if steps:
            table = EscalationStep.__table__
            taken = set(
                insert_ignoring_duplicates(
                    table, steps, ["assignment_id", "deadline_kind", "due_at", "level"], table.c.assignment_id
                )
            )
        for ident, (row, watched, decided) in plans.items():
            if decided.fire is None:
                continue
            if ident in taken:
                self._announce(row, watched, decided.fire, [r.level for r in decided.skipped])
            else:
                result.already += 1
        store_ladder_positions(Assignment.__table__, updates)

    def _fired(self, ids: list[int]) -> dict[tuple[int, tuple], set[int]]:
        fired: dict[tuple[int, tuple], set[int]] = defaultdict(set)
        rows = db.session.execute(
            sa.select(
                EscalationStep.assignment_id, EscalationStep.deadline_kind, EscalationStep.due_at, EscalationStep.level
            ).where(EscalationStep.assignment_id.in_(ids))
        )
        for assignment_id, kind, due_at, level in rows:
            fired[(assignment_id, ladder_module.Watched(kind, due_at))].add(level)
        return fired

    def _announce(self, row: Assignment, watched: ladder_module.Watched, rung: Rung, skipped: list[int]) -> None:
        ticket, department = row.ticket, row.department
        emergency = self.reference.is_emergency(ticket.urgency)
        reach = self.directory.reach(rung.to, department)
        phones = reach.phones
        body = templates.render(
            _template(rung.level),
            **templates.ticket_fields(ticket, self.reference, self.ladder.tz, due=watched.due_at),
            kind=KIND_WORDS[watched.kind],
            bureau=department.name,
            level=str(rung.level),
        )
        not_before = quiet_until(self.ladder, self.now, emergency)
        kind = MessageKind.REMINDER if rung.level == 0 else MessageKind.ESCALATION
        for phone in phones:
            add_message(
                phone, body, kind, ticket_id=ticket.id, assignment_id=row.id, emergency=emergency, not_before=not_before
            )
        self.result.fired[rung.level] += 1
        self.result.messages += len(phones)
        self.result.deferred += len(phones) if not_before else 0
        if not phones:
            self.result.unreachable += 1
            log.warning(
                "assignment %s: ladder level %s reached nobody (no phone for %s, the department, the center or any "
                "supervisor): see `flask hotline check`",
                row.id,
                rung.level,
                ",".join(rung.to),
            )
        record_event(
            ticket,
            "reminder" if rung.level == 0 else f"escalation.level{rung.level}",
            actor=None,
            now=self.now,
            assignment=row,
            data={
                "kind": watched.kind,
                "due_at": watched.due_at.isoformat(),
                "level": rung.level,
                "rung": rung.name_en or rung.name,
                "to": list(rung.to),
                **reach.as_data(),
                "skipped_levels": skipped,
                "not_before": not_before.isoformat() if not_before else None,
                "bureau": department.code,
            },
        )
        log.info("assignment %s: %s level %s fired, %d SMS", row.id, watched.kind, rung.level, len(phones))


def chase_overdue(now: datetime, batch_size: int = BATCH_SIZE, *, tz: str) -> ChaseResult:
    """One pass of the chaser as if the time were ``now``; commits once per batch."""
    now = _aware(now)
    chase = _Pass(now, configured_ladder(tz))
    locking = _is_postgres()
    seen: set[int] = set()
    while True:
        query = (
            sa.select(Assignment)
            .where(Assignment.next_escalation_at <= now)
            .order_by(Assignment.next_escalation_at)
            .limit(batch_size)
            .options(selectinload(Assignment.ticket), selectinload(Assignment.department))
        )
        if locking:
            query = query.with_for_update(skip_locked=True, of=Assignment)
        rows = [row for row in db.session.scalars(query) if row.id not in seen]
        if not rows:
            db.session.rollback()
            break
        seen.update(row.id for row in rows)  # before the commit expires the rows
        try:
            chase.batch(rows)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    visit_hooks = hooks.visits()  # late visits (hotline.children): the same ladder, their own step
    if visit_hooks is not None:
        chase.result.visits = visit_hooks.chase(now, chase.ladder)
    log.info("%s", chase.result.summary())
    return chase.result


def _digest_summary(counts: Counter, names: dict[str, str]) -> str:
    if not counts:
        return "今日无逾期工单。"
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{names.get(code, code)}{count}件" for code, count in ranked[:DIGEST_DEPARTMENTS]]
    more = len(ranked) - DIGEST_DEPARTMENTS
    return "：".join(["其中", "，".join(parts)]) + (f"等{len(ranked)}个部门。" if more > 0 else "。")


def send_daily_digest(now: datetime, *, tz: str) -> int:
    """The supervisors' digest of overdue counts per department, once per local date.

    Asked every minute by cron: before ``digest_at`` (07:30 local by default) or during quiet
    hours it does nothing; after that the first call of the day writes the ``digest_runs``
    row for the date (unique) together with the messages, and later calls find the row.
    Returns the number of SMS queued.
    """
    now = _aware(now)
    ladder = configured_ladder(tz)
    day = ladder_module.digest_day(ladder, now)
    if day is None:
        return 0
    local_day = date.fromisoformat(day)
    if db.session.scalar(sa.select(DigestRun.id).filter_by(day=local_day)) is not None:
        db.session.rollback()
        return 0
    counts = overdue_by_department(now)
    directory = Directory()
    phones = directory.phones(("center",), None)
    total = sum(counts.values())
    run = {"day": local_day, "overdue": total, "messages": len(phones), "created_at": now}
    if not insert_ignoring_duplicates(DigestRun.__table__, [run], ["day"], DigestRun.__table__.c.id):
        db.session.rollback()
        return 0
    names = {code: department.name for code, department in directory.by_code.items()}
    body = templates.render(
        "overdue_digest",
        date=templates.local_date(local_day),
        count=str(total),
        summary=_digest_summary(counts, names),
    )
    not_before = quiet_until(ladder, now, emergency=False)
    for phone in phones:
        add_message(phone, body, MessageKind.DIGEST, not_before=not_before)
    db.session.commit()
    if not phones:
        log.warning("daily digest %s: no supervisor phones to send it to", day)
    log.info("daily digest %s: %d overdue, %d SMS", day, total, len(phones))
    return len(phones)
