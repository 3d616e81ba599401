"""ticket deadline policy: the sign-for and feedback policies applied at dispatch

Revision ID: 3c9e0d2a7b41
Revises: a341417e78de
Create Date: 2026-12-01 17:20:00

A reopen gives new deadlines by the policies the matching rule applied at dispatch; tickets
dispatched before this revision keep NULL and reopen by their urgency's reference policies.
"""

import sqlalchemy as sa
from alembic import op

revision = "3c9e0d2a7b41"
down_revision = "a341417e78de"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_policy", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("deadline_policy")
