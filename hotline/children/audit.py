"""Reads of a child's file go to the one access log (``hotline.audit.record_access``)."""

from __future__ import annotations

from datetime import datetime

from hotline.audit import record_access
from hotline.children.models import ChildFile
from hotline.models import User


def record_file_read(actor: User, child: ChildFile, now: datetime, via: str = "api") -> None:
    """One access-log row per read (in the caller's transaction), ``via`` prefixed ``child``."""
    record_access(actor, via=f"child.{via}" if not via.startswith("child") else via, now=now, child_id=child.id)
