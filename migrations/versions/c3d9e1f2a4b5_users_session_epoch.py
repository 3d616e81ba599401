"""users: session epoch (server-side end of web sessions)

Revision ID: c3d9e1f2a4b5
Revises: 113c5a4bfdc6
Create Date: 2026-12-01 14:25:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d9e1f2a4b5"
down_revision = "113c5a4bfdc6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
