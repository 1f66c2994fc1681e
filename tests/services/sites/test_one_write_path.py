"""The import and the API write locations and stations through the same building blocks
(apply_location, apply_station): the same events with the same audit snapshot, and a move the
import makes is stated as a move, so the local lists follow it as they follow the API's."""

from __future__ import annotations

import pytest

from depotshare.domain.common.events import Changed
from depotshare.domain.setup import read_text
from depotshare.domain.sites.assets import ConnectorSpec, EvseSpec
from depotshare.domain.sites.events import LocationChanged, StationChanged
from depotshare.services.handlers import event_handlers
from depotshare.services.runtime import Runtime
from depotshare.services.setup import importer
from depotshare.services.sites import locations, stations
from depotshare.services.sites.locations import LocationSpec
from depotshare.services.sites.stations import StationSpec
from tests.support.helpers import SYSTEM, make_tree

IMPORTED = """\
locations:
  - key: by-import
    org: north
    name: By import
    stations:
      - {id: IMP-01, evses: [{id: 1, connectors: [{id: 1, standard: IEC_62196_T2}]}]}
"""
MOVED = """\
locations:
  - {key: by-import, org: south, name: By import}
  - {key: by-api, org: north, name: By API, stations: [{id: IMP-01}]}
"""


async def _import(runtime: Runtime, text: str) -> None:
    async with runtime.uow() as uow:
        await importer.import_document(uow, read_text(text), SYSTEM)


async def test_the_import_states_what_the_api_states(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Changed] = []

    async def committed(event: Changed) -> None:
        seen.append(event)

    handlers = event_handlers()  # the application's, and one that notes what was committed
    handlers.after_commit(Changed, committed)
    monkeypatch.setattr(runtime, "handlers", handlers)
    await make_tree(runtime, {"north": None, "south": None})
    async with runtime.uow() as uow:
        spec = LocationSpec(key="by-api", org="north", name="By API")
        await locations.create_location(uow, SYSTEM, spec)
    async with runtime.uow() as uow:
        evse = EvseSpec(1, (ConnectorSpec(1, "IEC_62196_T2"),))
        await stations.create_station(uow, SYSTEM, StationSpec(id="API-01", location="by-api", evses=[evse]))
    await _import(runtime, IMPORTED)

    by_api, by_import = [e for e in seen if e.entity == "location"]
    assert type(by_api) is type(by_import) is LocationChanged
    assert by_api.after is not None and by_import.after is not None
    assert {**by_api.after, "key": "by-import", "name": "By import"} == by_import.after
    api_station, imported_station = [e for e in seen if e.entity == "station"]
    assert type(api_station) is type(imported_station) is StationChanged
    assert {**(api_station.after or {}), "id": "IMP-01", "location": "by-import"} == imported_station.after

    seen.clear()
    await _import(runtime, MOVED)
    changes = {(e.entity, e.entity_id): e for e in seen}
    assert set(changes) == {("location", "by-import"), ("station", "IMP-01")}  # by-api is unchanged
    location, station = changes[("location", "by-import")], changes[("station", "IMP-01")]
    assert isinstance(location, LocationChanged) and location.moved and location.action == "update"
    assert isinstance(station, StationChanged) and station.moved
    assert station.before is not None and station.after is not None
    assert (station.before["location"], station.after["location"]) == ("by-import", "by-api")
    assert station.after["evses"] == station.before["evses"]  # EVSEs the file leaves out stay
