"""/locations: depots and home chargers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.locations import (
    AddressIn,
    CoordinatesIn,
    HomeIn,
    LocationCreate,
    LocationUpdate,
)
from depotshare.domain.sites.assets import Address, Coordinates
from depotshare.services.sites import locations
from depotshare.services.sites.locations import LocationSpec, LocationView

router = APIRouter(prefix="/locations", tags=["locations"])


def _address(a: AddressIn | None) -> Address:
    return Address(**a.model_dump()) if a else Address()


def _coordinates(c: CoordinatesIn | None) -> Coordinates | None:
    return Coordinates(c.lat, c.lon) if c else None


def _home(h: HomeIn | None) -> dict[str, Any]:
    return {"home": h is not None, "home_employee": h.employee if h else None}


@router.get("", response_model=PageOut[LocationView])
async def list_locations(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="name or key contains")] = None,
    publish: Annotated[bool | None, Query(description="only published (true) or private (false)")] = None,
    home: Annotated[bool | None, Query(description="only home chargers (true) or depots (false)")] = None,
) -> object:
    return await locations.list_locations(
        uow, actor, org=org, q=q, publish=publish, home=home, cursor=cursor, limit=limit
    )


@router.post("", response_model=LocationView, status_code=201)
async def create_location(body: LocationCreate, uow: UoW, actor: CurrentActor) -> object:
    spec = LocationSpec(
        key=body.key,
        org=body.org,
        name=body.name,
        timezone=body.timezone,
        address=_address(body.address),
        coordinates=_coordinates(body.coordinates),
        publish=body.publish,
        grid_limit_kw=body.grid_limit_kw,
        admit_station_prefix=body.admit_station_prefix,
        **_home(body.home),
    )
    return await locations.create_location(uow, actor, spec)


@router.get("/{key}", response_model=LocationView)
async def get_location(key: str, uow: UoW, actor: CurrentActor) -> object:
    return await locations.get_location(uow, actor, key)


@router.patch("/{key}", response_model=LocationView)
async def update_location(key: str, body: LocationUpdate, uow: UoW, actor: CurrentActor) -> object:
    given = body.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(body, name)
        for name in ("org", "name", "timezone", "publish")
        if name in given and getattr(body, name) is not None
    }
    if "address" in given:
        changes["address"] = _address(body.address)
    if "coordinates" in given:
        changes["coordinates"] = _coordinates(body.coordinates)
    if "grid_limit_kw" in given:
        changes["grid_limit_kw"] = body.grid_limit_kw
    if "admit_station_prefix" in given:
        changes["admit_station_prefix"] = body.admit_station_prefix
    if "home" in given:
        changes.update(_home(body.home))
    return await locations.update_location(uow, actor, key, changes)


@router.delete("/{key}", status_code=204)
async def delete_location(key: str, uow: UoW, actor: CurrentActor) -> Response:
    await locations.delete_location(uow, actor, key)
    return Response(status_code=204)
