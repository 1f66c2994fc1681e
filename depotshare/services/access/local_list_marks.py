"""Which stations' local lists are due after a change: the reactions to the events of tokens,
grants, partnerships, locations, stations and organisations (registered in services/handlers.py).
A due list is synced by services/access/local_lists.py."""

from __future__ import annotations

from collections.abc import Iterable

from depotshare.domain.access.events import GrantChanged, GrantReshaping, PartnershipChanged
from depotshare.domain.fleet.events import TokenChanged
from depotshare.domain.orgs.events import OrganisationChanged
from depotshare.domain.sites.events import LocationChanged, StationChanged
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.access.local_lists import LocalLists


async def mark_locations(uow: UnitOfWork, location_ids: Iterable[int]) -> None:
    """The grants, partnerships or tokens of these locations changed."""
    ids = set(location_ids)
    if ids:
        await uow.repo(LocalLists).mark_locations(ids)


async def mark_all(uow: UnitOfWork) -> None:
    """Anything may have changed (an import, a move in the organisation tree): every list is due."""
    await uow.repo(LocalLists).mark_stations(None)


async def on_token(uow: UnitOfWork, event: TokenChanged) -> None:
    await mark_locations(uow, await uow.repo(LocalLists).locations_for_token_orgs(sorted(event.org_paths)))


async def on_grant(uow: UnitOfWork, event: GrantChanged | GrantReshaping) -> None:
    await mark_locations(uow, await uow.repo(LocalLists).locations_of_grants([event.grant_id]))


async def on_partnership(uow: UnitOfWork, event: PartnershipChanged) -> None:
    await mark_locations(uow, await uow.repo(LocalLists).locations_of_partnerships([event.partnership_id]))


async def on_location(uow: UnitOfWork, event: LocationChanged) -> None:
    # Another owner brings other grants and another internal fleet; a new or deleted location
    # has no stations yet or any more.
    if event.moved:
        await mark_locations(uow, [event.location_id])


async def on_station(uow: UnitOfWork, event: StationChanged) -> None:
    if event.moved:  # what it must admit is its new location's
        await uow.repo(LocalLists).mark_stations([event.station_id], full=True)


async def on_organisation(uow: UnitOfWork, event: OrganisationChanged) -> None:
    # A subtree moved: the grants and the internal fleets that reach its tokens and its places
    # are others now. Rare and wide, so every list is checked.
    if event.moved:
        await mark_all(uow)
