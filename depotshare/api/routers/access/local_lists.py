"""Offline authorisation lists: each station's OCPP Local Authorization List (version, size, limits,
whether it matches what the engine admits), the out-of-date report, and a forced full sync.
Scoped like the stations they belong to (facility side)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.services.access import local_list_reports as local_lists
from depotshare.services.access.local_list_reports import ListedTokenView, LocalListView

router = APIRouter(tags=["local lists"])

State = Literal["in_sync", "out_of_date", "too_large", "not_supported"]


@router.get("/local-lists", response_model=PageOut[LocalListView])
async def list_local_lists(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    state: Annotated[
        State | None,
        Query(
            description="out_of_date: a change not yet confirmed by the station, a failed sync or a "
            "re-sync overdue (the report); too_large: in sync but the station holds fewer than admitted"
        ),
    ] = None,
) -> object:
    return await local_lists.list_local_lists(uow, actor, org=org, state=state, cursor=cursor, limit=limit)


@router.get("/stations/{station_id}/local-list", response_model=LocalListView)
async def get_local_list(station_id: str, uow: UoW, actor: CurrentActor) -> object:
    return await local_lists.get_local_list(uow, actor, station_id)


@router.get("/stations/{station_id}/local-list/entries", response_model=PageOut[ListedTokenView])
async def list_local_list_entries(
    station_id: str, uow: UoW, actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> object:
    """Which tokens the station holds on its list, as it last confirmed them, by uid: uid, type,
    status (always Accepted: the list holds admitted tokens only), expires_at, group,
    charging_priority. Why each was admitted is in the decision log (source LocalList)."""
    return await local_lists.list_entries(uow, actor, station_id, cursor=cursor, limit=limit)


@router.post("/stations/{station_id}/local-list/sync", response_model=LocalListView, status_code=202)
async def sync_local_list(station_id: str, uow: UoW, actor: CurrentActor) -> object:
    """Send the whole list again (updateType Full): within seconds while the station is
    connected, else when it next connects. Poll the GET for the outcome."""
    return await local_lists.request_full_sync(uow, actor, station_id)
