"""What the sites API tests share: the organisation tree, the logins they act as, and places."""

from __future__ import annotations

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from depotshare.services.sites import locations, stations
from depotshare.services.sites.locations import LocationSpec
from depotshare.services.sites.stations import StationSpec
from tests.support.helpers import SYSTEM, make_tree, make_user

LOGINS = [
    ("admin@holding.example", Role.ORG_ADMIN, "holding"),
    ("fac@holding.example", Role.FACILITY_MANAGER, "holding"),
    ("fac@north.example", Role.FACILITY_MANAGER, "north"),
    ("fac@south.example", Role.FACILITY_MANAGER, "south"),
    ("fleet@north.example", Role.FLEET_MANAGER, "north"),
]


async def make_sites_world(runtime: Runtime, tree: dict[str, str | None]) -> None:
    """`tree` (key -> parent key) with an org admin of the holding, facility managers of the
    holding, north and south, and a fleet manager of north."""
    await make_tree(runtime, tree)
    for email, role, org in LOGINS:
        await make_user(runtime, email, (role, org))


async def make_sites(runtime: Runtime, places: dict[str, tuple[str, list[str]]]) -> None:
    """Locations (key -> (organisation, the ids of the stations there)), through the services."""
    for key, (org, station_ids) in places.items():
        async with runtime.uow() as uow:
            await locations.create_location(uow, SYSTEM, LocationSpec(key=key, org=org, name=key.title()))
        for station_id in station_ids:
            async with runtime.uow() as uow:
                await stations.create_station(uow, SYSTEM, StationSpec(id=station_id, location=key))
