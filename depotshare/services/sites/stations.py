"""Charging stations: register, change, move between locations, delete, accept a pending one; the one
way to reach a station (`access_station`) and its view. A station belongs to the organisation of its
location; its EVSEs are changed in `evses.py`, its connector status is read in `station_status.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from depotshare.config import get_settings
from depotshare.domain.charging.registration import RegistrationStatus
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, NotFound
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.sites import assets
from depotshare.domain.sites.assets import EvseSpec
from depotshare.domain.sites.events import StationChanged
from depotshare.services.common.access import found, require
from depotshare.services.common.ownership import org_by_id
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import security
from depotshare.services.orgs.organisations import access_org, org_keys, subtree_filter
from depotshare.services.sites.connected_stations import is_online
from depotshare.services.sites.locations import access_location, jsonable
from depotshare.store.common.base import utcnow
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.locations import Locations
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location
from depotshare.store.sites.stations import EvseRows, Stations

STATIONS = Resource.STATIONS
DETAILS = ("vendor", "model", "serial_number", "firmware_version")
# Kept by the OCPP gateway as the station comes and goes; not changes anyone makes, so not audited.
LIVE = ("protocol", "connected", "online", "connected_at", "last_seen_at", "last_boot_at")


@dataclass(frozen=True)
class ConnectorView:
    id: int
    standard: str
    max_kw: Decimal | None


@dataclass(frozen=True)
class EvseView:
    id: int
    connectors: list[ConnectorView]


@dataclass(frozen=True)
class StationView:
    id: str  # the OCPP identity
    location: str
    org: str
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    has_password: bool
    evses: list[EvseView]
    registration_status: RegistrationStatus
    # Live state: `online` = connected and heard from within two heartbeat intervals.
    protocol: str | None  # of the current or last connection, e.g. ocpp1.6
    connected: bool
    online: bool
    connected_at: datetime | None
    last_seen_at: datetime | None
    last_boot_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class StationSpec:
    id: str
    location: str
    password: str | None = None
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    evses: Sequence[EvseSpec] = field(default_factory=tuple)


def evse_view(evse: Evse, connectors: list[Connector]) -> EvseView:
    return EvseView(evse.evse_id, [ConnectorView(c.connector_id, c.standard, c.max_kw) for c in connectors])


def _heartbeat_s() -> float:
    return float(get_settings().heartbeat_interval_s)


def station_online(station: ChargingStation, now: datetime) -> bool:
    return is_online(station.connected, station.last_seen_at, now, _heartbeat_s())


def registration_of(value: str) -> RegistrationStatus:
    try:
        return RegistrationStatus(value)
    except ValueError:  # written by something newer than this code: show it as not accepted
        return RegistrationStatus.PENDING


async def _views(uow: UnitOfWork, stations: Sequence[ChargingStation]) -> dict[int, StationView]:
    now = utcnow()
    locations = await uow.repo(Locations).keys_by_id([s.location_id for s in stations])
    orgs = await org_keys(uow, [org_id for _, org_id in locations.values()])
    evses = await uow.repo(Stations).evses_of([s.id for s in stations])
    out: dict[int, StationView] = {}
    for s in stations:
        location_key, org_id = locations[s.location_id]
        out[s.id] = StationView(
            id=s.ocpp_id,
            location=location_key,
            org=orgs[org_id],
            vendor=s.vendor,
            model=s.model,
            serial_number=s.serial_number,
            firmware_version=s.firmware_version,
            has_password=s.password_hash is not None,
            evses=[evse_view(e, cs) for e, cs in evses[s.id]],
            registration_status=registration_of(s.registration_status),
            protocol=s.protocol,
            connected=s.connected,
            online=station_online(s, now),
            connected_at=s.connected_at,
            last_seen_at=s.last_seen_at,
            last_boot_at=s.last_boot_at,
            created_at=s.created_at,
        )
    return out


async def _one_view(uow: UnitOfWork, station: ChargingStation) -> StationView:
    return (await _views(uow, [station]))[station.id]


def _snapshot(view: StationView) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(view)
    for name in ("created_at", *LIVE):
        data.pop(name)
    return data


async def owner(uow: UnitOfWork, station: ChargingStation) -> tuple[Location, Organisation]:
    loc = found(await uow.repo(Locations).get_by_id(station.location_id), "location")
    return loc, await org_by_id(uow, loc.org_id)


async def station_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, str]:
    """Station pk -> OCPP identity, for the views of other capabilities (one query)."""
    return await uow.repo(Stations).station_ids_by_id(ids)


async def station_evses(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, EvseRows]:
    """The EVSEs with their connectors of these stations (by pk), for other capabilities' views."""
    return await uow.repo(Stations).evses_of(ids)


async def access_station(
    uow: UnitOfWork, actor: Actor, station_id: str, action: Action = Action.READ
) -> ChargingStation:
    """The only way to reach a station: NotFound when absent or invisible, Forbidden when read-only."""
    what = f"charging station {station_id!r}"
    station = found(await uow.repo(Stations).get_scoped(actor.scope, station_id, Action.READ), what)
    if action is Action.WRITE:
        _, org = await owner(uow, station)
        require(actor.scope, STATIONS, Action.WRITE, org.path, what)
    return station


async def list_stations(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    location: str | None = None,
    q: str | None = None,
    registration_status: RegistrationStatus | None = None,
    online: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[StationView]:
    prefix = await subtree_filter(uow, actor, org)
    location_id = (await access_location(uow, actor, location)).id if location else None
    seen_since = utcnow() - timedelta(seconds=2 * _heartbeat_s())
    rows = await uow.repo(Stations).list_scoped(
        actor.scope,
        org_prefix=prefix,
        location_id=location_id,
        q=q,
        registration_status=registration_status.value if registration_status else None,
        online_since=None if online is None else (online, seen_since),
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    views = await _views(uow, rows[:limit])
    return page_of(rows, limit, lambda s: s.id, lambda s: views[s.id])


async def get_station(uow: UnitOfWork, actor: Actor, station_id: str) -> StationView:
    return await _one_view(uow, await access_station(uow, actor, station_id))


async def _target_location(uow: UnitOfWork, actor: Actor, key: str) -> Location:
    """The location a station is put at. Like any create, this is decided on the target organisation:
    NotFound when the caller cannot see it, Forbidden when it may not add stations there."""
    loc = await uow.repo(Locations).get_scoped(actor.scope, key, Action.READ)
    if loc is None:
        loc = found(await uow.repo(Locations).get_by_key(key), f"location {key!r}")
    org = await org_by_id(uow, loc.org_id)
    try:
        await access_org(uow, actor, org.key)
    except NotFound:
        raise NotFound(f"location {key!r} not found") from None
    require(actor.scope, STATIONS, Action.WRITE, org.path, f"charging stations at location {key!r}")
    return loc


async def create_station(uow: UnitOfWork, actor: Actor, spec: StationSpec) -> StationView:
    evses = assets.check_evses(spec.evses)
    loc = await _target_location(uow, actor, spec.location)
    if await uow.repo(Stations).get_by_ocpp_id(spec.id) is not None:
        raise Conflict(f"id: a charging station {spec.id!r} already exists")
    station = await add_station(uow, spec, loc, evses)
    view = await _one_view(uow, station)
    await uow.emit(
        StationChanged(
            actor=actor,
            entity_id=spec.id,
            action="create",
            org_id=loc.org_id,
            after=_snapshot(view),
            station_id=station.id,
        )
    )
    await uow.commit()
    return view


async def add_station(
    uow: UnitOfWork, spec: StationSpec, location: Location, evses: Sequence[EvseSpec]
) -> ChargingStation:
    """Insert with checked EVSEs, without access checks or commit; shared by the API and the import."""
    station = ChargingStation(
        location_id=location.id,
        ocpp_id=spec.id,
        password_hash=security.hash_password(spec.password) if spec.password else None,
        **{k: getattr(spec, k) for k in DETAILS},
    )
    uow.repo(Stations).add(station)
    await uow.flush()
    for evse in evses:
        await uow.repo(Stations).add_evse(station.id, evse)
    await uow.flush()
    return station


async def update_station(
    uow: UnitOfWork, actor: Actor, station_id: str, changes: Mapping[str, Any]
) -> StationView:
    """`changes` holds StationSpec fields (not `id`) and `registration_status` (accepting a pending
    station); absent ones stay, `password: None` removes it."""
    evses = assets.check_evses(changes["evses"]) if "evses" in changes else None
    station = await access_station(uow, actor, station_id, Action.WRITE)
    before = await _one_view(uow, station)
    if "location" in changes and changes["location"] != before.location:
        station.location_id = (await _target_location(uow, actor, changes["location"])).id
    for name in DETAILS:
        if name in changes:
            setattr(station, name, changes[name])
    if changes.get("registration_status") is not None:
        station.registration_status = RegistrationStatus(changes["registration_status"]).value
    if "password" in changes:
        password = changes["password"]
        station.password_hash = security.hash_password(password) if password else None
    await uow.flush()
    if evses is not None:
        await uow.repo(Stations).replace_evses(station.id, evses)
    after = await _one_view(uow, station)
    after_snapshot = _snapshot(after)
    if changes.get("password"):
        after_snapshot["password"] = "changed"
    if after_snapshot != _snapshot(before):
        loc, _ = await owner(uow, station)
        await uow.emit(
            StationChanged(
                actor=actor,
                entity_id=station_id,
                action="update",
                org_id=loc.org_id,
                before=_snapshot(before),
                after=after_snapshot,
                station_id=station.id,
                moved=after.location != before.location,
            )
        )
    await uow.commit()
    return after


async def delete_station(uow: UnitOfWork, actor: Actor, station_id: str) -> None:
    station = await access_station(uow, actor, station_id, Action.WRITE)
    before = await _one_view(uow, station)
    loc, _ = await owner(uow, station)
    await uow.emit(
        StationChanged(
            actor=actor,
            entity_id=station_id,
            action="delete",
            org_id=loc.org_id,
            before=_snapshot(before),
            station_id=station.id,
        )
    )
    await uow.repo(Stations).delete(station)  # EVSEs and connectors go with it (ON DELETE CASCADE)
    await uow.commit()
