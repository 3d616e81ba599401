"""users full_name (姓名)

Revision ID: c41e7d2a9b10
Revises: b7e2c4a91d30
Create Date: 2026-12-01 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c41e7d2a9b10"
down_revision = "b7e2c4a91d30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("full_name", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("full_name")
