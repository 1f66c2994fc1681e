"""SQL for what stations report over OCPP about themselves: live state, connector status, station
events, as services/sites/connected_stations.py writes them today (to move with the sites
capability's stations). Sessions: sessions.py; meter values: meter_readings.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.store.charging.models import (
    ConnectorStatus,
    StationEvent,
    StatusEvent,
)
from depotshare.store.sites.models import ChargingStation, Location

# --- stations: admission and live state ---------------------------------------------------------


async def station_by_ocpp_id(session: AsyncSession, ocpp_id: str) -> ChargingStation | None:
    return await session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == ocpp_id))


async def location_admitting(session: AsyncSession, prefixes: Sequence[str]) -> Location | None:
    """The location whose admit_station_prefix is the longest of `prefixes`."""
    rows = (await session.scalars(select(Location).where(Location.admit_station_prefix.in_(prefixes)))).all()
    return max(rows, key=lambda loc: len(loc.admit_station_prefix or ""), default=None)


async def set_connected(session: AsyncSession, station_id: int, protocol: str, at: datetime) -> None:
    await session.execute(
        update(ChargingStation)
        .where(ChargingStation.id == station_id)
        .values(connected=True, connected_at=at, protocol=protocol, last_seen_at=at)
    )


async def set_disconnected(session: AsyncSession, station_id: int, connected_at: datetime) -> None:
    # Only the connection that is still recorded: a newer one has its own connected_at.
    await session.execute(
        update(ChargingStation)
        .where(ChargingStation.id == station_id, ChargingStation.connected_at == connected_at)
        .values(connected=False)
    )


async def clear_all_connections(session: AsyncSession) -> int:
    result = await session.execute(
        update(ChargingStation).where(ChargingStation.connected.is_(True)).values(connected=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def touch(session: AsyncSession, station_id: int, at: datetime) -> None:
    await session.execute(
        update(ChargingStation).where(ChargingStation.id == station_id).values(last_seen_at=at)
    )


def add_event(
    session: AsyncSession, station_id: int, kind: str, at: datetime, payload: dict[str, Any]
) -> None:
    session.add(StationEvent(station_id=station_id, kind=kind, at=at, payload=payload))


# --- connector status ---------------------------------------------------------------------------


async def record_status(session: AsyncSession, values: dict[str, Any]) -> None:
    """Append to the history and upsert the current state in two statements; an older report
    (queued offline) never overwrites a newer current state."""
    history = {k: v for k, v in values.items() if k != "vendor_id"}
    await session.execute(insert(StatusEvent).values(**history))
    dialect = session.get_bind().dialect.name
    stmt: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ConnectorStatus)
    stmt = stmt.values(**values)
    changed = {k: stmt.excluded[k] for k in values if k not in ("station_id", "evse_id", "connector_id")}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["station_id", "evse_id", "connector_id"],
            set_=changed,
            where=ConnectorStatus.at <= stmt.excluded.at,
        )
    )
