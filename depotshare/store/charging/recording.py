"""SQL for what stations report over OCPP: live state, connector status, station events, sessions
and meter values. Statements are few per message and never one per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.charging.meter import ENERGY_REGISTER, REGISTER_UNITS
from depotshare.store.charging.models import (
    ConnectorStatus,
    MeterValue,
    StationEvent,
    StatusEvent,
)
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Location


@dataclass(frozen=True)
class SiteRow:
    """Where a station stands and who owns it, read in one query."""

    station_id: int
    location_id: int
    org_id: int
    org_path: str
    timezone: str
    home_employee_id: int | None  # set for a home charger


@dataclass(frozen=True)
class TokenRow:
    id: int
    uid: str
    type: str
    status: str
    org_id: int
    org_path: str
    valid_from: date | None
    valid_until: date | None
    group_id: str | None
    employee_id: int | None
    vehicle_id: int | None
    cost_centre_id: int | None  # the token's own
    employee_cost_centre_id: int | None  # its employee's
    vehicle_cost_centre_id: int | None  # its vehicle's


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


async def site_of(session: AsyncSession, station_id: int) -> SiteRow | None:
    row = (
        await session.execute(
            select(
                ChargingStation.id,
                Location.id.label("location_id"),
                Location.org_id,
                Organisation.path,
                Location.timezone,
                Location.is_home,
                Location.home_employee_id,
            )
            .join(Location, Location.id == ChargingStation.location_id)
            .join(Organisation, Organisation.id == Location.org_id)
            .where(ChargingStation.id == station_id)
        )
    ).one_or_none()
    if row is None:
        return None
    home = row.home_employee_id if row.is_home else None
    return SiteRow(row.id, row.location_id, row.org_id, row.path, row.timezone, home)


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


# --- tokens -------------------------------------------------------------------------------------


async def tokens_by_uid(session: AsyncSession, uids: Sequence[str]) -> list[TokenRow]:
    """Tokens with their organisation's path and the cost centres of the token, its employee and
    its vehicle (which one a session is booked to is the domain's rule: charging/attribution.py)."""
    rows = await session.execute(
        select(Token, Organisation.path, Employee.cost_centre_id, Vehicle.cost_centre_id)
        .join(Organisation, Organisation.id == Token.org_id)
        .outerjoin(Employee, Employee.id == Token.employee_id)
        .outerjoin(Vehicle, Vehicle.id == Token.vehicle_id)
        .where(Token.uid.in_(uids))
    )
    return [
        TokenRow(
            t.id,
            t.uid,
            t.type,
            t.status,
            t.org_id,
            path,
            t.valid_from,
            t.valid_until,
            t.group_id,
            t.employee_id,
            t.vehicle_id,
            t.cost_centre_id,
            employee_cc,
            vehicle_cc,
        )
        for t, path, employee_cc, vehicle_cc in rows
    ]


# --- meter values ------------------------------------------------------------------


async def add_meter_values(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT of plain rows (keys are column names) on the session's connection,
    in its transaction: no ORM bulk path, which cost twice the CPU per MeterValues."""
    if rows:
        connection = await session.connection()
        await connection.execute(_INSERT_METER_VALUE, rows)


_INSERT_METER_VALUE = insert(MeterValue.__table__)  # type: ignore[arg-type]  # a Table


async def meter_values_between(
    session: AsyncSession,
    station_id: int,
    session_id: int | None,
    first: datetime,
    last: datetime,
    columns: Sequence[str],
) -> list[tuple[Any, ...]]:
    """`columns` of the samples of a session (None: of the station, outside any session) sampled
    from `first` to `last` (the session and station indexes serve both)."""
    owner = (
        MeterValue.session_id == session_id
        if session_id is not None
        else and_(MeterValue.station_id == station_id, MeterValue.session_id.is_(None))
    )
    table = MeterValue.__table__
    stmt = select(*(table.c[name] for name in columns)).where(
        owner, MeterValue.sampled_at >= first, MeterValue.sampled_at <= last
    )
    return [tuple(row) for row in await session.execute(stmt)]


# domain.charging.meter.is_register_reading in SQL, on its own constants: the only place the
# store decides which stored samples are register readings (tests/ocpp/test_register_rule.py
# holds the two to the same answers).
REGISTER_READING = and_(
    MeterValue.measurand == ENERGY_REGISTER,
    or_(MeterValue.unit.is_(None), MeterValue.unit.in_(REGISTER_UNITS)),
    MeterValue.phase.is_(None),
    MeterValue.signed_data.is_(None),
)
