"""access log: role, client address, user agent, child file; append-only triggers

Revision ID: b7e2c4a91d30
Revises: 7096eb891c43
Create Date: 2026-12-01 13:50:00

The triggers make ``ticket_events`` and ``access_log`` refuse UPDATE and DELETE in the
database itself (hotline.audit.append_only). They are installed after the batch step, which
recreates ``access_log`` on SQLite.
"""

import sqlalchemy as sa
from alembic import op

from hotline.audit import append_only

# revision identifiers, used by Alembic.
revision = "b7e2c4a91d30"
down_revision = "7096eb891c43"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ip", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_access_log_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_created_at"), ["created_at"], unique=False)
    append_only.install(op.get_bind())


def downgrade():
    append_only.uninstall(op.get_bind())
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_access_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_access_log_child_id"))
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("user_agent")
        batch_op.drop_column("ip")
        batch_op.drop_column("child_id")
        batch_op.drop_column("role")
