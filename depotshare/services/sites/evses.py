"""The EVSEs of a charging station with their connectors: list, add, replace or renumber, delete.
Reached through the station (`stations.access_station`), audited as entity `evse`."""

from __future__ import annotations

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict
from depotshare.domain.orgs.roles import Action
from depotshare.domain.sites import assets
from depotshare.domain.sites.assets import EvseSpec
from depotshare.services.common.access import found
from depotshare.services.common.changes import Snapshot, created, deleted, updated
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.sites.snapshots import jsonable
from depotshare.services.sites.stations import EvseView, access_station, evse_view, get_station, owner
from depotshare.store.sites.models import ChargingStation, Evse
from depotshare.store.sites.stations import Stations


async def list_evses(uow: UnitOfWork, actor: Actor, station_id: str) -> list[EvseView]:
    return (await get_station(uow, actor, station_id)).evses


async def _evse(uow: UnitOfWork, station: ChargingStation, evse_id: int) -> Evse:
    what = f"EVSE {evse_id} of charging station {station.ocpp_id!r}"
    return found(await uow.repo(Stations).get_evse(station.id, evse_id), what)


async def _evse_view_of(uow: UnitOfWork, station: ChargingStation, evse_id: int) -> EvseView:
    rows = (await uow.repo(Stations).evses_of([station.id]))[station.id]
    return next(evse_view(e, cs) for e, cs in rows if e.evse_id == evse_id)


def _snapshot(view: EvseView) -> Snapshot:
    snapshot: Snapshot = jsonable(view)  # the shape of snapshots.evse_snapshot
    return snapshot


def _key(station: ChargingStation, evse_id: int) -> str:
    return f"{station.ocpp_id}/{evse_id}"


async def add_evse(uow: UnitOfWork, actor: Actor, station_id: str, spec: EvseSpec) -> EvseView:
    spec = assets.check_evse(spec)
    station = await access_station(uow, actor, station_id, Action.WRITE)
    if await uow.repo(Stations).get_evse(station.id, spec.id) is not None:
        raise Conflict(f"id: EVSE {spec.id} already exists on charging station {station_id!r}")
    await uow.repo(Stations).add_evse(station.id, spec)
    view = await _evse_view_of(uow, station, spec.id)
    loc, _ = await owner(uow, station)
    await created(uow, actor, "evse", _key(station, spec.id), loc.org_id, _snapshot(view))
    await uow.commit()
    return view


async def update_evse(
    uow: UnitOfWork, actor: Actor, station_id: str, evse_id: int, spec: EvseSpec
) -> EvseView:
    """Replace the EVSE's connectors as a whole; a different `spec.id` renumbers it."""
    spec = assets.check_evse(spec)
    station = await access_station(uow, actor, station_id, Action.WRITE)
    evse = await _evse(uow, station, evse_id)
    before = await _evse_view_of(uow, station, evse_id)
    if spec.id != evse_id:
        if await uow.repo(Stations).get_evse(station.id, spec.id) is not None:
            raise Conflict(f"id: EVSE {spec.id} already exists on charging station {station_id!r}")
        evse.evse_id = spec.id
        await uow.flush()
    await uow.repo(Stations).replace_connectors(evse, spec.connectors)
    after = await _evse_view_of(uow, station, spec.id)
    loc, _ = await owner(uow, station)
    await updated(uow, actor, "evse", _key(station, evse_id), loc.org_id, _snapshot(before), _snapshot(after))
    await uow.commit()
    return after


async def delete_evse(uow: UnitOfWork, actor: Actor, station_id: str, evse_id: int) -> None:
    station = await access_station(uow, actor, station_id, Action.WRITE)
    evse = await _evse(uow, station, evse_id)
    before = await _evse_view_of(uow, station, evse_id)
    loc, _ = await owner(uow, station)
    await deleted(uow, actor, "evse", _key(station, evse_id), loc.org_id, _snapshot(before))
    await uow.repo(Stations).delete(evse)  # its connectors go with it (ON DELETE CASCADE)
    await uow.commit()
