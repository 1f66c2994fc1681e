"""The OCPI 2.2.1 Locations module (CPO, Sender interface) as use cases: the locations roaming
partners may see, one page at a time, and one location, EVSE or connector.

Publication rule: a location appears when it is published (`publish: true`), or when its host
keeps it private but names the drivers' tokens it is shown to (`publish_allowed_to`); a private
location without such entries and every home charger stay invisible, in the list and by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from depotshare.domain.common.errors import NotFound
from depotshare.domain.roaming.ocpi_locations import EvseStatus, evse_status
from depotshare.services.common.copying import copy_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.sites.connected_stations import is_online
from depotshare.services.sites.stations import station_evses
from depotshare.store.charging.models import ConnectorStatus
from depotshare.store.roaming.ocpi_locations import ExposedLocation, OcpiLocations
from depotshare.store.sites.models import ChargingStation, Connector, Evse

ACCEPTED = "accepted"  # stations waiting for an operator (pending) or rejected are not offered


@dataclass(frozen=True)
class ConnectorSnapshot:
    id: int
    standard: str
    max_kw: Decimal | None
    last_updated: datetime


@dataclass(frozen=True)
class EvseSnapshot:
    uid: str  # stable and unique on the platform: the EVSE's row id
    station_id: str  # the OCPP identity
    evse_id: int  # the EVSE number within the station
    status: EvseStatus
    connectors: list[ConnectorSnapshot]
    last_updated: datetime


@dataclass(frozen=True)
class LocationSnapshot:
    key: str
    name: str
    street: str
    city: str
    postal_code: str | None
    country: str
    latitude: Decimal
    longitude: Decimal
    timezone: str
    publish: bool
    publish_allowed_to: list[dict[str, Any]]
    evses: list[EvseSnapshot]
    last_updated: datetime


@dataclass(frozen=True)
class LocationPage:
    items: list[LocationSnapshot]
    total: int  # every location matching the filters, not only this page


async def list_locations(
    uow: UnitOfWork,
    *,
    offset: int,
    limit: int,
    date_from: datetime | None,
    date_to: datetime | None,
    heartbeat_interval_s: float,
) -> LocationPage:
    found, total = await uow.repo(OcpiLocations).list_exposed(
        offset=offset, limit=limit, date_from=date_from, date_to=date_to
    )
    return LocationPage(await _snapshots(uow, found, heartbeat_interval_s), total)


async def get_location(uow: UnitOfWork, key: str, *, heartbeat_interval_s: float) -> LocationSnapshot:
    """NotFound for an unknown key and for every location roaming partners may not see alike."""
    found = await uow.repo(OcpiLocations).get_exposed(key)
    if found is None:
        raise NotFound(f"unknown location {key!r}")
    (snapshot,) = await _snapshots(uow, [found], heartbeat_interval_s)
    return snapshot


async def get_evse(
    uow: UnitOfWork, key: str, evse_uid: str, *, heartbeat_interval_s: float
) -> tuple[LocationSnapshot, EvseSnapshot]:
    location = await get_location(uow, key, heartbeat_interval_s=heartbeat_interval_s)
    evse = next((e for e in location.evses if e.uid == evse_uid), None)
    if evse is None:
        raise NotFound(f"location {key!r} has no EVSE {evse_uid!r}")
    return location, evse


async def get_connector(
    uow: UnitOfWork, key: str, evse_uid: str, connector_id: str, *, heartbeat_interval_s: float
) -> ConnectorSnapshot:
    _, evse = await get_evse(uow, key, evse_uid, heartbeat_interval_s=heartbeat_interval_s)
    connector = next((c for c in evse.connectors if str(c.id) == connector_id), None)
    if connector is None:
        raise NotFound(f"EVSE {evse_uid!r} has no connector {connector_id!r}")
    return connector


async def _snapshots(
    uow: UnitOfWork, found: list[ExposedLocation], heartbeat_interval_s: float
) -> list[LocationSnapshot]:
    stations = [
        s
        for s in await uow.repo(OcpiLocations).stations_at([f.location.id for f in found])
        if s.registration_status == ACCEPTED
    ]
    evses = await station_evses(uow, [s.id for s in stations])
    statuses: dict[tuple[int, int, int], ConnectorStatus] = {
        (st.station_id, st.evse_id, st.connector_id): st
        for st in await uow.repo(OcpiLocations).statuses_of([s.id for s in stations])
    }
    audited = await uow.repo(OcpiLocations).station_audit_times([s.ocpp_id for s in stations])
    now = uow.clock.now()
    by_location: dict[int, list[EvseSnapshot]] = {}
    for station in stations:
        changed = max(station.created_at, audited.get(station.ocpp_id, station.created_at))
        online = is_online(station.connected, station.last_seen_at, now, heartbeat_interval_s)
        for evse, connectors in evses[station.id]:
            if connectors:  # OCPI: an EVSE has at least one connector
                snapshot = _evse(station, evse, connectors, statuses, changed, online)
                by_location.setdefault(station.location_id, []).append(snapshot)
    out = []
    for f in found:
        loc = f.location
        assert loc.street and loc.city and loc.country  # repo.exposed() requires them
        assert loc.latitude is not None and loc.longitude is not None
        allowed_to = [] if loc.publish else list(loc.publish_allowed_to or [])
        shown = by_location.get(loc.id, [])
        out.append(
            copy_of(
                LocationSnapshot, loc, publish_allowed_to=allowed_to, evses=shown, last_updated=f.last_updated
            )
        )
    return out


def _latest(first: datetime, others: Iterable[datetime | None]) -> datetime:
    return max([first, *(o for o in others if o is not None)])


def _evse(
    station: ChargingStation,
    evse: Evse,
    connectors: list[Connector],
    statuses: dict[tuple[int, int, int], ConnectorStatus],
    changed: datetime,
    online: bool,
) -> EvseSnapshot:
    whole = statuses.get((station.id, 0, 0))
    own = [statuses.get((station.id, evse.evse_id, c.connector_id)) for c in connectors]
    evse_level = statuses.get((station.id, evse.evse_id, 0))
    reported = [s.status for s in own if s is not None] or ([evse_level.status] if evse_level else [])
    connector_snapshots = [
        ConnectorSnapshot(
            c.connector_id, c.standard, c.max_kw, _latest(changed, [s.received_at if s else None])
        )
        for c, s in zip(connectors, own, strict=True)
    ]
    return EvseSnapshot(
        uid=str(evse.id),
        station_id=station.ocpp_id,
        evse_id=evse.evse_id,
        status=evse_status(online, whole.status if whole else None, reported),
        connectors=connector_snapshots,
        last_updated=_latest(
            changed,
            [c.last_updated for c in connector_snapshots]
            + [s.received_at if s else None for s in (whole, evse_level)],
        ),
    )
