"""Other kinds of deadline that share the chaser's pass, the overdue queue and the digest.

Children's visits (``hotline.children``) build on escalation, so escalation must not import them:
the children package registers its functions here when the app starts (``register``), and the
chaser, the overdue queue and the digest call whatever is registered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class VisitHooks:
    chase: Callable[[datetime, Any], object]
    late: Callable[[datetime, str | None, int], tuple[list[dict[str, Any]], int]]
    late_by_office: Callable[[datetime], Counter[str]]


_visits: VisitHooks | None = None


def register(hooks: VisitHooks) -> None:
    global _visits
    _visits = hooks


def visits() -> VisitHooks | None:
    return _visits
