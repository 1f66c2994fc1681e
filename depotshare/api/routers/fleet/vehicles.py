"""/vehicles: a fleet's vehicles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.fleet import VehicleCreate, VehicleUpdate
from depotshare.services.fleet import vehicles
from depotshare.services.fleet.vehicles import VehiclePatch, VehicleView

router = APIRouter(prefix="/vehicles", tags=["vehicles"])


@router.get("", response_model=PageOut[VehicleView])
async def list_vehicles(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="key, plate or description contains")] = None,
    employee: Annotated[str | None, Query(max_length=64, description="employee key")] = None,
) -> object:
    return await vehicles.list_vehicles(
        uow, actor, org=org, q=q, employee=employee, cursor=cursor, limit=limit
    )


@router.post("", response_model=VehicleView, status_code=201)
async def create_vehicle(body: VehicleCreate, uow: UoW, actor: CurrentActor) -> object:
    return await vehicles.create_vehicle(uow, actor, **body.model_dump())


@router.get("/{key}", response_model=VehicleView)
async def get_vehicle(key: str, uow: UoW, actor: CurrentActor) -> object:
    return await vehicles.get_vehicle(uow, actor, key)


@router.patch("/{key}", response_model=VehicleView)
async def update_vehicle(key: str, body: VehicleUpdate, uow: UoW, actor: CurrentActor) -> object:
    patch = VehiclePatch(frozenset(body.model_fields_set), **body.model_dump())
    return await vehicles.update_vehicle(uow, actor, key, patch)


@router.delete("/{key}", status_code=204)
async def delete_vehicle(key: str, uow: UoW, actor: CurrentActor) -> Response:
    await vehicles.delete_vehicle(uow, actor, key)
    return Response(status_code=204)
