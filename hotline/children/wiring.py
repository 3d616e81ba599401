"""How children's files join the rest at app start-up (called by ``create_app``).

Their table joins the shared metadata (migrations, tests) by importing the models, and late
visits join the chaser's pass, the overdue queue and the digest through escalation's hooks, so
that escalation never imports this package.
"""

from __future__ import annotations

import hotline.children.models  # noqa: F401  (registers the tables)
from hotline.children.chaser import chase_visits
from hotline.children.overdue import late_visits, late_visits_by_office
from hotline.escalation.hooks import VisitHooks
from hotline.escalation.hooks import register as register_hooks


def register() -> None:
    register_hooks(VisitHooks(chase=chase_visits, late=late_visits, late_by_office=late_visits_by_office))
