"""Weekly report volume by protection type (the figures page's second chart)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hotline.reporting.volume import weekly_volume
from tests.web.helpers import ensure_user, make_ticket


def test_weeks_start_on_monday_in_local_time_and_types_follow_reference_order(app):
    operator = ensure_user("op", "operator")
    # 2026-03-01 is a Sunday; 16:30 UTC on 1 March is 00:30 on Monday 2 March in Shanghai.
    make_ticket(operator, now=datetime(2026, 3, 1, 15, 0, tzinfo=UTC), protection_types=["education"])
    make_ticket(operator, now=datetime(2026, 3, 1, 16, 30, tzinfo=UTC), protection_types=["relief"])
    make_ticket(operator, now=datetime(2026, 3, 10, 2, 0, tzinfo=UTC), protection_types=["education", "relief"])
    make_ticket(
        operator,
        now=datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
        auto_dispatch=False,
        channel="web",
        protection_types=[],
        urgency=None,
    )
    make_ticket(operator, now=datetime(2026, 4, 1, 2, 0, tzinfo=UTC))  # after the period
    volume = weekly_volume(date(2026, 3, 1), date(2026, 3, 15), tz="Asia/Shanghai")
    assert volume["weeks"] == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9)]
    assert volume["series"] == [
        {"code": "relief", "counts": [0, 1, 0]},
        {"code": "education", "counts": [1, 0, 1]},
        {"code": None, "counts": [0, 0, 1]},
    ]
    assert volume["total"] == 4
    assert volume["by_status"] == {"dispatched": 3, "new": 1}
