"""station local lists (offline authorisation)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('station_local_lists',
    sa.Column('station_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('entry_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('admitted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('left_out', sa.Integer(), server_default='0', nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=True),
    sa.Column('max_entries', sa.Integer(), nullable=True),
    sa.Column('items_per_message', sa.Integer(), nullable=True),
    sa.Column('bytes_per_message', sa.Integer(), nullable=True),
    sa.Column('limits_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dirty', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('dirty_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('full_requested', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('synced_connection_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('synced_boot_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_result', sa.String(length=24), nullable=True),
    sa.Column('last_detail', sa.String(length=200), nullable=True),
    sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['charging_stations.id'], name=op.f('fk_station_local_lists_station_id_charging_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('station_id', name=op.f('pk_station_local_lists'))
    )
    with op.batch_alter_table('station_local_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_local_lists_next_sync_at'), ['next_sync_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('station_local_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_local_lists_next_sync_at'))

    op.drop_table('station_local_lists')
