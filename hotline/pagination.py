"""One way to page a list: the total before paging, then one page of rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hotline.extensions import db


def paginate(query: sa.Select, page: int, per_page: int, *, scalars: bool = True) -> tuple[list[Any], int]:
    """``(rows, total)`` of an ordered select; ``scalars=False`` keeps multi-column rows."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    paged = query.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(paged).all() if scalars else db.session.execute(paged).all()
    return list(rows), total or 0
