"""How children's files join the rest at app start-up (called by ``create_app``).

Their table joins the shared metadata (migrations, tests) by importing the models, and late
visits join the chaser's pass, the overdue queue and the digest through escalation's hooks, and
closed files join ``hotline retention`` as one more step, so that neither escalation nor
retention imports this package.
"""

from __future__ import annotations

import hotline.children.models  # noqa: F401  (registers the tables)
from hotline.children.chaser import chase_visits
from hotline.children.overdue import late_visits, late_visits_by_office
from hotline.children.retention import STEP
from hotline.escalation.hooks import VisitHooks
from hotline.escalation.hooks import register as register_hooks
from hotline.retention.services import STEPS as RETENTION_STEPS


def register() -> None:
    register_hooks(VisitHooks(chase=chase_visits, late=late_visits, late_by_office=late_visits_by_office))
    if STEP not in RETENTION_STEPS:  # closed files join ``hotline retention``
        RETENTION_STEPS.append(STEP)
