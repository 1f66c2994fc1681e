"""keyed password checks beside the argon2 hashes (docs/adr/0004-keyed-password-check.md)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_check", sa.String(length=64), nullable=True))
    with op.batch_alter_table("charging_stations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_check", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charging_stations", schema=None) as batch_op:
        batch_op.drop_column("password_check")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_check")
