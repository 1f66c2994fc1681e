"""access log heads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('access_log_heads',
    sa.Column('location_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_access_log_heads'))
    )
    with op.batch_alter_table('access_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_decisions_token_org_id'), ['token_org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_decisions_token_org_id'))
    op.drop_table('access_log_heads')
