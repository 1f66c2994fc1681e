"""the whole authorisation answer of a session's start (expiry, group), for a retried start

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("charging_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auth_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("auth_group", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charging_sessions", schema=None) as batch_op:
        batch_op.drop_column("auth_group")
        batch_op.drop_column("auth_expires_at")
