"""Retention of closed children's files: the step of ``hotline retention`` for files
(``STEP``, appended to ``hotline.retention.services.STEPS`` by ``hotline.children.wiring``).

A file closed more than ``HOTLINE_RETENTION_DAYS`` before the run is pseudonymised: the
child's identity (name, gender, birth date), the address, the guardians, the match key, the
close reason and every visit's findings are removed. The number, street, situations, risk,
dates and the visits' times, kinds and services stay, so the monthly figures do not change.
A file is done once (``pseudonymised_at``); a dry run counts without changing anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from hotline.children.models import ChildEvent, ChildFile, Visit
from hotline.extensions import db
from hotline.retention.services import RetentionRun, RetentionStep

REMOVED = ["name", "gender", "birth_date", "address", "guardians", "close_reason", "visits.findings"]


def files_due(cutoff: datetime) -> sa.Select:
    """Closed files not yet pseudonymised, closed before ``cutoff``."""
    return (
        sa.select(ChildFile.id)
        .where(ChildFile.status == "closed", ChildFile.closed_at < cutoff, ChildFile.pseudonymised_at.is_(None))
        .order_by(ChildFile.id)
    )


def _pseudonymise(ids: list[int], *, now: datetime, days: int) -> None:
    db.session.execute(
        sa.update(ChildFile)
        .where(ChildFile.id.in_(ids))
        .values(
            name=None,
            gender=None,
            birth_date=None,
            address=None,
            guardians=[],
            match_key=None,
            close_reason=None,
            findings_note=None,
            pseudonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Visit).where(Visit.child_id.in_(ids)).values(findings="").execution_options(synchronize_session=False)
    )
    db.session.add_all(
        ChildEvent(
            child_id=ident,
            action="pseudonymised",
            from_status="closed",
            to_status="closed",
            data={"fields": REMOVED, "retention_days": days},
            created_at=now,
        )
        for ident in ids
    )


def pseudonymise_file(child_id: int, now: datetime, run: RetentionRun) -> dict[str, int]:
    """The retention job's step for one file (its caller commits)."""
    _pseudonymise([child_id], now=now, days=run.days)
    return {}


STEP = RetentionStep("children", files_due, pseudonymise_file)


def pseudonymise_closed_files(*, now: datetime, days: int, dry_run: bool = False) -> int:
    """Pseudonymise files closed before ``now - days``, all at once; the number of files (to be) done."""
    ids = list(db.session.scalars(files_due(now - timedelta(days=days))))
    if dry_run or not ids:
        db.session.rollback()
        return len(ids)
    _pseudonymise(ids, now=now, days=days)
    db.session.commit()
    return len(ids)
