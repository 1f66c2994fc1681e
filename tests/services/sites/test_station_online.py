"""The online rule of a station, at the instant it turns (the unit of work's clock, no waiting): a
station holding a connection is online while it was heard from within two heartbeat intervals, in
its view and in the list's `online` filter alike."""

from __future__ import annotations

from datetime import timedelta

from depotshare.config import get_settings
from depotshare.services.runtime import Runtime
from depotshare.services.sites import connected_stations, locations, stations
from depotshare.services.sites.locations import LocationSpec
from depotshare.services.sites.stations import StationSpec
from tests.support.clock import FakeClock
from tests.support.helpers import SYSTEM, make_tree


async def _online(runtime: Runtime) -> tuple[bool, set[str], set[str]]:
    """The station's view, and the stations the list filters find online and offline."""
    async with runtime.uow() as uow:
        view = await stations.get_station(uow, SYSTEM, "HH-01")
        online = await stations.list_stations(uow, SYSTEM, online=True)
        offline = await stations.list_stations(uow, SYSTEM, online=False)
    return view.online, {s.id for s in online.items}, {s.id for s in offline.items}


async def test_a_station_is_online_until_two_heartbeat_intervals_pass_unheard(
    runtime: Runtime, clock: FakeClock
) -> None:
    await make_tree(runtime, {"north": None})
    async with runtime.uow() as uow:
        await locations.create_location(uow, SYSTEM, LocationSpec(key="depot", org="north", name="Depot"))
    async with runtime.uow() as uow:
        await stations.create_station(uow, SYSTEM, StationSpec(id="HH-01", location="depot"))
    assert await _online(runtime) == (False, set(), {"HH-01"})  # never connected

    async with runtime.uow() as uow:
        link = await connected_stations.admit(uow, "HH-01", None, "ocpp1.6", clock.now())
    clock.advance(minutes=5)
    async with runtime.uow() as uow:
        await connected_stations.heartbeat(uow, link.pk, clock.now())
    assert await _online(runtime) == (True, {"HH-01"}, set())

    two_intervals = timedelta(seconds=2 * get_settings().heartbeat_interval_s)
    clock.advance(seconds=two_intervals.total_seconds())
    assert await _online(runtime) == (True, {"HH-01"}, set())  # heard from exactly two intervals ago
    clock.advance(microseconds=1)
    assert await _online(runtime) == (False, set(), {"HH-01"})

    async with runtime.uow() as uow:  # heard from again: online at once
        await connected_stations.heartbeat(uow, link.pk, clock.now())
    assert await _online(runtime) == (True, {"HH-01"}, set())
    async with runtime.uow() as uow:  # the connection closed: offline, however recent
        await connected_stations.disconnected(uow, link)
    assert await _online(runtime) == (False, set(), {"HH-01"})
