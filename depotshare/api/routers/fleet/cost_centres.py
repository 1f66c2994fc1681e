"""/cost-centres: the codes a fleet's costs are booked to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.fleet import CostCentreCreate, CostCentreUpdate
from depotshare.services.fleet import cost_centres
from depotshare.services.fleet.cost_centres import CostCentreView

router = APIRouter(prefix="/cost-centres", tags=["cost centres"])
CostCentreId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the cost centre's id")]


@router.get("", response_model=PageOut[CostCentreView])
async def list_cost_centres(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="code or name contains")] = None,
) -> object:
    return await cost_centres.list_cost_centres(uow, actor, org=org, q=q, cursor=cursor, limit=limit)


@router.post("", response_model=CostCentreView, status_code=201)
async def create_cost_centre(body: CostCentreCreate, uow: UoW, actor: CurrentActor) -> object:
    return await cost_centres.create_cost_centre(uow, actor, org=body.org, code=body.code, name=body.name)


@router.get("/{cc_id}", response_model=CostCentreView)
async def get_cost_centre(cc_id: CostCentreId, uow: UoW, actor: CurrentActor) -> object:
    return await cost_centres.get_cost_centre(uow, actor, cc_id)


@router.patch("/{cc_id}", response_model=CostCentreView)
async def update_cost_centre(
    cc_id: CostCentreId, body: CostCentreUpdate, uow: UoW, actor: CurrentActor
) -> object:
    return await cost_centres.update_cost_centre(
        uow, actor, cc_id, org=body.org, code=body.code, name=body.name
    )


@router.delete("/{cc_id}", status_code=204)
async def delete_cost_centre(cc_id: CostCentreId, uow: UoW, actor: CurrentActor) -> Response:
    await cost_centres.delete_cost_centre(uow, actor, cc_id)
    return Response(status_code=204)
