"""What the OCPI Locations module reads: the locations roaming partners may see, with their
last_updated worked out from what changed them (the location's and its stations' audit entries,
the connector statuses stations report), and the stations, EVSEs and statuses behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select

from depotshare.store.charging.models import ConnectorStatus
from depotshare.store.common.base import UTCDateTime
from depotshare.store.common.models import AuditEntry
from depotshare.store.common.repository import Repository
from depotshare.store.sites.models import ChargingStation, Location


@dataclass(frozen=True)
class ExposedLocation:
    location: Location
    last_updated: datetime


def exposed() -> ColumnElement[bool]:
    """Published, or private with publish_allowed_to entries; never a home charger; only with
    what an OCPI Location cannot lack (street, city, country, coordinates)."""
    allowed_to = and_(
        Location.publish_allowed_to.is_not(None),
        cast(Location.publish_allowed_to, String).not_in(["null", "[]"]),
    )
    return and_(
        Location.is_home.is_(False),
        or_(Location.publish.is_(True), and_(Location.publish.is_(False), allowed_to)),
        Location.street.is_not(None),
        Location.city.is_not(None),
        Location.country.is_not(None),
        Location.latitude.is_not(None),
        Location.longitude.is_not(None),
    )


def _latest(dialect: str, *values: Any) -> ColumnElement[datetime]:
    """The latest of some timestamps; each value may be NULL, `values[0]` never is."""
    first = values[0]
    filled = [first, *(func.coalesce(v, first) for v in values[1:])]
    if dialect == "postgresql":
        return func.greatest(*filled, type_=UTCDateTime())
    return func.max(*filled, type_=UTCDateTime())  # SQLite's scalar max; text timestamps compare in order


def last_updated(dialect: str) -> ColumnElement[datetime]:
    location_audit = (
        select(func.max(AuditEntry.at))
        .where(AuditEntry.entity == "location", AuditEntry.entity_id == Location.key)
        .scalar_subquery()
    )
    stations = ChargingStation.location_id == Location.id
    station_audit = (
        select(func.max(AuditEntry.at))
        .select_from(ChargingStation)
        .join(
            AuditEntry, and_(AuditEntry.entity == "station", AuditEntry.entity_id == ChargingStation.ocpp_id)
        )
        .where(stations)
        .scalar_subquery()
    )
    station_created = select(func.max(ChargingStation.created_at)).where(stations).scalar_subquery()
    status = (
        select(func.max(ConnectorStatus.received_at))
        .select_from(ChargingStation)
        .join(ConnectorStatus, ConnectorStatus.station_id == ChargingStation.id)
        .where(stations)
        .scalar_subquery()
    )
    return _latest(dialect, Location.created_at, location_audit, station_audit, station_created, status)


class OcpiLocations(Repository):
    """The locations roaming partners may see, and what their OCPI objects are made of."""

    async def list_exposed(
        self,
        *,
        offset: int,
        limit: int,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> tuple[list[ExposedLocation], int]:
        """One page in creation order (stable while a client walks the pages) and the total."""
        updated = last_updated(self.session.get_bind().dialect.name).label("last_updated")
        conditions = [exposed()]
        if date_from is not None:
            conditions.append(updated >= date_from)
        if date_to is not None:
            conditions.append(updated < date_to)
        inner = select(Location.id.label("id"), updated).where(*conditions).subquery()
        total = await self.session.scalar(select(func.count()).select_from(inner))
        page = (
            await self.session.execute(
                select(Location, inner.c.last_updated)
                .join(inner, inner.c.id == Location.id)
                .order_by(Location.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
        return [ExposedLocation(row[0], row[1]) for row in page], int(total or 0)

    async def get_exposed(self, key: str) -> ExposedLocation | None:
        """The location if roaming partners may see it; None otherwise, as for an unknown key."""
        updated = last_updated(self.session.get_bind().dialect.name)
        row = (
            await self.session.execute(select(Location, updated).where(Location.key == key, exposed()))
        ).first()
        return ExposedLocation(row[0], row[1]) if row else None

    async def stations_at(self, location_ids: Sequence[int]) -> list[ChargingStation]:
        if not location_ids:
            return []
        stmt = (
            select(ChargingStation)
            .where(ChargingStation.location_id.in_(set(location_ids)))
            .order_by(ChargingStation.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def statuses_of(self, station_ids: Sequence[int]) -> list[ConnectorStatus]:
        if not station_ids:
            return []
        stmt = select(ConnectorStatus).where(ConnectorStatus.station_id.in_(set(station_ids)))
        return list((await self.session.scalars(stmt)).all())

    async def station_audit_times(self, ocpp_ids: Sequence[str]) -> dict[str, datetime]:
        """Station id -> when its audit log last recorded a change (EVSEs and connectors included)."""
        if not ocpp_ids:
            return {}
        stmt = (
            select(AuditEntry.entity_id, func.max(AuditEntry.at))
            .where(AuditEntry.entity == "station", AuditEntry.entity_id.in_(set(ocpp_ids)))
            .group_by(AuditEntry.entity_id)
        )
        return {row[0]: row[1] for row in (await self.session.execute(stmt)).all()}
