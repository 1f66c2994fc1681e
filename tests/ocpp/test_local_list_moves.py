"""Moves reach the stations' local lists within seconds, end to end over a real websocket: a
station moved to another location, a location moved to another organisation, an organisation
moved in the tree each change who may charge there offline (domain events of the moves, handled by
services/access/local_list_marks.py), where before they waited for the hourly check."""

from __future__ import annotations

import pytest

from depotshare.services.orgs import organisations
from depotshare.services.runtime import Runtime
from depotshare.services.sites import locations, stations
from depotshare.services.sites.locations import LocationSpec
from tests.ocpp.conftest import CARD, Served
from tests.ocpp.test_local_list_e2e import listed, station, sync, until
from tests.support.helpers import SYSTEM

__all__ = ["sync"]  # the background sync fixture, as the app's lifespan runs it

pytestmark = [pytest.mark.usefixtures("depot", "sync")]


async def _location(runtime: Runtime, key: str, org: str) -> None:
    async with runtime.uow() as uow:
        spec = LocationSpec(key=key, org=org, name=key, timezone="Europe/Berlin")
        await locations.create_location(uow, SYSTEM, spec)


async def _move_station(runtime: Runtime, station_id: str, location: str) -> None:
    async with runtime.uow() as uow:
        await stations.update_station(uow, SYSTEM, station_id, {"location": location})


async def test_a_station_moved_to_another_company_s_location_drops_the_old_cards(served: Served) -> None:
    async with served.runtime.uow() as uow:
        await organisations.create_organisation(uow, SYSTEM, key="elsewhere", name="Elsewhere", parent=None)
    await _location(served.runtime, "elsewhere-yard", "elsewhere")
    async with station(served, "ocpp1.6") as sim:
        await until(lambda: listed(sim) == {CARD})
        await _move_station(served.runtime, "HH-02", "elsewhere-yard")
        await until(lambda: listed(sim) == set())


async def test_a_location_moved_to_another_company_drops_the_old_cards(served: Served) -> None:
    async with served.runtime.uow() as uow:
        await organisations.create_organisation(uow, SYSTEM, key="elsewhere", name="Elsewhere", parent=None)
    async with station(served, "ocpp1.6") as sim:
        await until(lambda: listed(sim) == {CARD})
        async with served.runtime.uow() as uow:
            await locations.update_location(uow, SYSTEM, "depot-hamburg", {"org": "elsewhere"})
        await until(lambda: listed(sim) == set())


async def test_an_organisation_moved_out_of_the_owner_s_tree_loses_its_cards_there(served: Served) -> None:
    # A yard of the holding admits the cards of its whole subtree, acme-north's card among them.
    await _location(served.runtime, "acme-yard", "acme")
    await _move_station(served.runtime, "HH-02", "acme-yard")
    async with station(served, "ocpp1.6") as sim:
        await until(lambda: listed(sim) == {CARD})
        async with served.runtime.uow() as uow:  # acme-north leaves the holding
            await organisations.update_organisation(uow, SYSTEM, "acme-north", parent="swift")
        await until(lambda: listed(sim) == set())
