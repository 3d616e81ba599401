"""Late visits chased by the same ladder as assignments: a separate step of each chaser pass.

A file's visit deadline is its ``next_visit_due_at``; the window runs from the last visit (or
the file's opening) to that deadline, so the reminder rung (``fraction:0.75``) and the levels
(``due``, ``due+1wd``, ...) fall exactly as they do for an assignment. Each rung fired is a
``visit_escalation_steps`` row, unique per (file, deadline, level) and inserted with
``ON CONFLICT DO NOTHING`` in the same transaction as its SMS and its event: once per level,
whatever runs twice. The SMS reach the street office's liaisons (then heads, the center, the
leading group, as the rung says), wait for the end of quiet hours, and name the file by its
number only: never the child's name or address.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hotline.children.models import ChildEvent, ChildFile, VisitEscalationStep
from hotline.escalation.chaser import insert_ignoring_duplicates, store_ladder_positions
from hotline.extensions import db
from hotline.models import MessageKind
from hotline.notify import templates
from hotline.notify.contacts import Directory
from hotline.notify.outbox import add_message
from hotline.tickets.ladder import Ladder, Rung, plan, quiet_until

log = logging.getLogger(__name__)

BATCH_SIZE = 200


def window(child: ChildFile) -> tuple[datetime, datetime] | None:
    """(start, due) of the visit deadline being chased, or None for a file not chased."""
    due = child.next_visit_due_at
    if child.status != "open" or due is None:
        return None
    start = child.last_visited_at or child.created_at or due
    return min(start, due), due


def first_look(child: ChildFile, ladder: Ladder) -> datetime | None:
    """The first rung of the file's visit deadline (when the chaser must first look)."""
    span = window(child)
    if span is None or not ladder.rungs:
        return None
    return min(at for _, at in ladder.times(*span))


@dataclass
class VisitChaseResult:
    looked: int = 0
    fired: Counter = field(default_factory=Counter)
    messages: int = 0
    deferred: int = 0
    unreachable: int = 0
    already: int = 0

    def summary(self) -> str:
        levels = ", ".join(f"level {lvl}: {n}" for lvl, n in sorted(self.fired.items()) if lvl >= 1) or "none"
        return (
            f"visits: {self.looked} files looked at, {self.fired[0]} reminders, escalations {levels}, "
            f"{self.messages} SMS queued ({self.deferred} held for quiet hours)"
        )


def _insert_new_steps(rows: list[dict]) -> set[int]:
    """The file ids whose step this pass took (a step another pass took is left alone)."""
    table = VisitEscalationStep.__table__
    return set(insert_ignoring_duplicates(table, rows, ["child_id", "due_at", "level"], table.c.child_id))


def _template(level: int) -> str:
    return templates.ladder_template("visit", level)


class _VisitPass:
    def __init__(self, now: datetime, ladder: Ladder, directory: Directory):
        self.now, self.ladder, self.directory = now, ladder, directory
        self.result = VisitChaseResult()

    def batch(self, rows: list[ChildFile]) -> None:
        fired: dict[tuple[int, datetime], set[int]] = defaultdict(set)
        for child_id, due_at, level in db.session.execute(
            sa.select(VisitEscalationStep.child_id, VisitEscalationStep.due_at, VisitEscalationStep.level).where(
                VisitEscalationStep.child_id.in_([r.id for r in rows])
            )
        ):
            fired[(child_id, due_at)].add(level)
        steps, plans, updates = [], {}, []
        for child in rows:
            self.result.looked += 1
            span = window(child)
            if span is None:
                updates.append({"b_id": child.id, "b_version": child.version, "b_next": None, "b_level": 0})
                continue
            decided = plan(self.ladder, span[0], span[1], fired[(child.id, span[1])], self.now)
            plans[child.id] = (child, span[1], decided)
            if decided.fire is not None:
                steps.append(
                    {"child_id": child.id, "due_at": span[1], "level": decided.fire.level, "fired_at": self.now}
                )
            updates.append(
                {"b_id": child.id, "b_version": child.version, "b_next": decided.next_at, "b_level": decided.level}
            )
        taken = _insert_new_steps(steps) if steps else set()
        for ident, (child, due, decided) in plans.items():
            if decided.fire is None:
                continue
            if ident in taken:
                self._announce(child, due, decided.fire, [r.level for r in decided.skipped])
            else:
                self.result.already += 1
        store_ladder_positions(ChildFile.__table__, updates)

    def _announce(self, child: ChildFile, due: datetime, rung: Rung, skipped: list[int]) -> None:
        office = self.directory.by_code.get(child.bureau)
        phones = self.directory.phones(rung.to, office)
        body = templates.render(
            _template(rung.level),
            number=child.number or f"#{child.id}",
            due=templates.local_time(due, self.ladder.tz),
            bureau=office.name if office else child.bureau,
            level=str(rung.level),
        )
        not_before = quiet_until(self.ladder, self.now, emergency=False)
        kind = MessageKind.REMINDER if rung.level == 0 else MessageKind.ESCALATION
        for phone in phones:
            add_message(phone, body, kind, not_before=not_before)
        self.result.fired[rung.level] += 1
        self.result.messages += len(phones)
        self.result.deferred += len(phones) if not_before else 0
        if not phones:
            self.result.unreachable += 1
            log.warning("child file %s: visit ladder level %s has no contacts", child.id, rung.level)
        db.session.add(
            ChildEvent(
                child_id=child.id,
                action="visit.reminder" if rung.level == 0 else f"visit.escalation.level{rung.level}",
                from_status=child.status,
                to_status=child.status,
                data={
                    "due_at": due.isoformat(),
                    "level": rung.level,
                    "to": list(rung.to),
                    "recipients": len(phones),
                    "skipped_levels": skipped,
                    "not_before": not_before.isoformat() if not_before else None,
                    "bureau": child.bureau,
                },
                created_at=self.now,
            )
        )


def chase_visits(now: datetime, ladder: Ladder, batch_size: int = BATCH_SIZE) -> VisitChaseResult:
    """One pass over the files whose visit ladder has a rung due; commits once per batch."""
    chase = _VisitPass(now, ladder, Directory())
    locking = db.session.get_bind().dialect.name == "postgresql"
    seen: set[int] = set()
    while True:
        query = (
            sa.select(ChildFile)
            .where(ChildFile.next_escalation_at <= now)
            .order_by(ChildFile.next_escalation_at)
            .limit(batch_size)
        )
        if locking:
            query = query.with_for_update(skip_locked=True)
        rows = [row for row in db.session.scalars(query) if row.id not in seen]
        if not rows:
            db.session.rollback()
            break
        seen.update(row.id for row in rows)
        try:
            chase.batch(rows)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    log.info("%s", chase.result.summary())
    return chase.result
