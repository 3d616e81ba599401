"""tickets: pseudonymised_at (retention)

Revision ID: d5a7c9e1b3f2
Revises: c3d9e1f2a4b5
Create Date: 2026-12-01 15:10:00

"""

import sqlalchemy as sa
from alembic import op

import hotline.models

# revision identifiers, used by Alembic.
revision = "d5a7c9e1b3f2"
down_revision = "c3d9e1f2a4b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonymised_at", hotline.models.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("pseudonymised_at")
