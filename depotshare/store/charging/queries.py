"""The connector status of a station, now and in the past, as services/sites/station_status.py
reads it today (to move with the sites capability's station reports). Sessions: session_queries.py."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.store.charging.meter_readings import TimeKey
from depotshare.store.charging.models import ConnectorStatus, StatusEvent


async def connector_statuses(session: AsyncSession, station_pk: int) -> list[ConnectorStatus]:
    stmt = (
        select(ConnectorStatus)
        .where(ConnectorStatus.station_id == station_pk)
        .order_by(ConnectorStatus.evse_id, ConnectorStatus.connector_id)
    )
    return list((await session.scalars(stmt)).all())


async def status_events(
    session: AsyncSession, station_pk: int, *, before: TimeKey | None = None, limit: int = 50
) -> list[StatusEvent]:
    """The station's status history, newest first by the station's own time."""
    stmt = select(StatusEvent).where(StatusEvent.station_id == station_pk)
    if before is not None:
        at, last_id = before
        stmt = stmt.where(or_(StatusEvent.at < at, and_(StatusEvent.at == at, StatusEvent.id < last_id)))
    stmt = stmt.order_by(StatusEvent.at.desc(), StatusEvent.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())
