"""Charging stations: register, change, move between locations, delete, accept a pending one; the one
way to reach a station (`access_station`) and its view. A station belongs to the organisation of its
location; its EVSEs are changed in `evses.py`, its connector status is read in `station_status.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
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
from depotshare.services.common.changes import Snapshot, created, deleted, updated
from depotshare.services.common.copying import copy_of
from depotshare.services.common.ownership import org_by_id
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import security
from depotshare.services.orgs.organisations import access_org, org_keys, subtree_filter
from depotshare.services.sites.connected_stations import is_online
from depotshare.services.sites.locations import access_location
from depotshare.services.sites.snapshots import station_snapshot
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.locations import Locations
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location
from depotshare.store.sites.stations import EvseRows, Stations

STATIONS = Resource.STATIONS
DETAILS = ("vendor", "model", "serial_number", "firmware_version")


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
    now = uow.clock.now()
    locations = await uow.repo(Locations).keys_by_id([s.location_id for s in stations])
    orgs = await org_keys(uow, [org_id for _, org_id in locations.values()])
    evses = await uow.repo(Stations).evses_of([s.id for s in stations])
    out: dict[int, StationView] = {}
    for s in stations:
        location_key, org_id = locations[s.location_id]
        out[s.id] = copy_of(
            StationView,
            s,
            id=s.ocpp_id,
            location=location_key,
            org=orgs[org_id],
            has_password=s.password_hash is not None,
            evses=[evse_view(e, cs) for e, cs in evses[s.id]],
            registration_status=registration_of(s.registration_status),
            online=station_online(s, now),
        )
    return out


async def _one_view(uow: UnitOfWork, station: ChargingStation) -> StationView:
    return (await _views(uow, [station]))[station.id]


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
    seen_since = uow.clock.now() - timedelta(seconds=2 * _heartbeat_s())
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


@dataclass(frozen=True)
class StationWrite:
    """What a write makes of a station (its credentials the caller sets on the row itself)."""

    location: Location  # where it stands: another than now moves it
    evses: Sequence[EvseSpec] | None = None  # exactly these EVSEs (checked); None: as they are
    details: Mapping[str, str | None] = field(default_factory=dict)  # of DETAILS
    registration_status: RegistrationStatus | None = None
    password_changed: bool = False


async def apply_station(
    uow: UnitOfWork,
    actor: Actor,
    station: ChargingStation,
    write: StationWrite,
    *,
    org: str,
    evses: EvseRows,
    before: Snapshot | None,
) -> tuple[bool, EvseRows]:
    """The one write of a station with its EVSEs and connectors, for the API and the import:
    `org` the key of the organisation of `write.location`, `evses` what the station has now,
    `before` its station_snapshot (None: `station` is a new row). States it as StationChanged
    (moved when its location changed). No access checks, no commit. Returns whether anything
    changed, and the station's EVSEs now."""
    moved = before is not None and station.location_id != write.location.id
    station.location_id = write.location.id
    for name, value in write.details.items():
        setattr(station, name, value)
    if write.registration_status is not None:
        station.registration_status = write.registration_status.value
    stations = uow.repo(Stations)
    if before is None:
        stations.add(station)
        await uow.flush()
    if write.evses is not None:
        evses = await stations.replace_evses(station.id, write.evses, evses)
    after = station_snapshot(station, write.location.key, org, evses)
    event = partial(StationChanged, station_id=station.id, moved=moved)
    org_id = write.location.org_id
    if before is None:
        await created(uow, actor, "station", station.ocpp_id, org_id, after, event=event)
        return True, evses
    if write.password_changed:
        after["password"] = "changed"
    return await updated(uow, actor, "station", station.ocpp_id, org_id, before, after, event=event), evses


async def _stored(uow: UnitOfWork, station: ChargingStation) -> tuple[Snapshot, EvseRows]:
    """The station's snapshot as it is stored, and its EVSEs."""
    loc, org = await owner(uow, station)
    evses = (await uow.repo(Stations).evses_of([station.id]))[station.id]
    return station_snapshot(station, loc.key, org.key, evses), evses


async def create_station(uow: UnitOfWork, actor: Actor, spec: StationSpec) -> StationView:
    evses = assets.check_evses(spec.evses)
    loc = await _target_location(uow, actor, spec.location)
    if await uow.repo(Stations).get_by_ocpp_id(spec.id) is not None:
        raise Conflict(f"id: a charging station {spec.id!r} already exists")
    password_hash = security.hash_password(spec.password) if spec.password else None
    station = ChargingStation(ocpp_id=spec.id, password_hash=password_hash)
    write = StationWrite(loc, evses, {k: getattr(spec, k) for k in DETAILS})
    org = await org_by_id(uow, loc.org_id)
    await apply_station(uow, actor, station, write, org=org.key, evses=[], before=None)
    view = await _one_view(uow, station)
    await uow.commit()
    return view


async def update_station(
    uow: UnitOfWork, actor: Actor, station_id: str, changes: Mapping[str, Any]
) -> StationView:
    """`changes` holds StationSpec fields (not `id`) and `registration_status` (accepting a pending
    station); absent ones stay, `password: None` removes it."""
    evses = assets.check_evses(changes["evses"]) if "evses" in changes else None
    station = await access_station(uow, actor, station_id, Action.WRITE)
    before, evses_now = await _stored(uow, station)
    loc, _ = await owner(uow, station)
    if "location" in changes and changes["location"] != loc.key:
        loc = await _target_location(uow, actor, changes["location"])
    status = changes.get("registration_status")
    if "password" in changes:
        password = changes["password"]
        station.password_hash = security.hash_password(password) if password else None
    write = StationWrite(
        location=loc,
        evses=evses,
        details={k: changes[k] for k in DETAILS if k in changes},
        registration_status=RegistrationStatus(status) if status is not None else None,
        password_changed=bool(changes.get("password")),
    )
    org = await org_by_id(uow, loc.org_id)
    await apply_station(uow, actor, station, write, org=org.key, evses=evses_now, before=before)
    await uow.flush()
    after = await _one_view(uow, station)
    await uow.commit()
    return after


async def delete_station(uow: UnitOfWork, actor: Actor, station_id: str) -> None:
    station = await access_station(uow, actor, station_id, Action.WRITE)
    before, _ = await _stored(uow, station)
    loc, _ = await owner(uow, station)
    event = partial(StationChanged, station_id=station.id)
    await deleted(uow, actor, "station", station_id, loc.org_id, before, event=event)
    await uow.repo(Stations).delete(station)  # EVSEs and connectors go with it (ON DELETE CASCADE)
    await uow.commit()
