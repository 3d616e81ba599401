"""Retention of closed children's files: the step of ``hotline retention`` for files.

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

REMOVED = ["name", "gender", "birth_date", "address", "guardians", "close_reason", "visits.findings"]


def pseudonymise_closed_files(*, now: datetime, days: int, dry_run: bool = False) -> int:
    """Pseudonymise files closed before ``now - days``; the number of files (to be) done."""
    cutoff = now - timedelta(days=days)
    due = sa.select(ChildFile.id).where(
        ChildFile.status == "closed", ChildFile.closed_at < cutoff, ChildFile.pseudonymised_at.is_(None)
    )
    ids = list(db.session.scalars(due))
    if dry_run or not ids:
        db.session.rollback()
        return len(ids)
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
    db.session.commit()
    return len(ids)
