"""Watching stations' local lists in tests: each station starts with an in-sync list row, and a
test reads how often a write has marked it due since (its `changes` count)."""

from __future__ import annotations

from sqlalchemy import select

from depotshare.services.runtime import Runtime
from depotshare.store.access.local_list_models import StationLocalList
from depotshare.store.sites.models import ChargingStation


async def watch_lists(runtime: Runtime, stations: tuple[str, ...]) -> None:
    """Give these stations (OCPP ids) a list row in sync, with no change counted yet."""
    async with runtime.uow() as uow:
        for station in stations:
            pk = await uow.session.scalar(
                select(ChargingStation.id).where(ChargingStation.ocpp_id == station)
            )
            uow.session.add(StationLocalList(station_id=pk, dirty=False, changes=0))
        await uow.commit()


async def list_changes(runtime: Runtime, station: str) -> int:
    """How many times the station's list was marked due."""
    async with runtime.uow() as uow:
        pk = await uow.session.scalar(select(ChargingStation.id).where(ChargingStation.ocpp_id == station))
        row = await uow.session.get(StationLocalList, pk)
        assert row is not None
        return row.changes
