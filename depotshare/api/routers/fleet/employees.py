"""/employees: the people a fleet's cards and vehicles belong to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.fleet import EmployeeCreate, EmployeeUpdate
from depotshare.services.fleet import employees
from depotshare.services.fleet.employees import EmployeePatch, EmployeeView

router = APIRouter(prefix="/employees", tags=["employees"])


@router.get("", response_model=PageOut[EmployeeView])
async def list_employees(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="key, name or email contains")] = None,
    cost_centre: Annotated[str | None, Query(max_length=64, description="cost centre code")] = None,
) -> object:
    return await employees.list_employees(
        uow, actor, org=org, q=q, cost_centre=cost_centre, cursor=cursor, limit=limit
    )


@router.post("", response_model=EmployeeView, status_code=201)
async def create_employee(body: EmployeeCreate, uow: UoW, actor: CurrentActor) -> object:
    return await employees.create_employee(uow, actor, **body.model_dump())


@router.get("/{key}", response_model=EmployeeView)
async def get_employee(key: str, uow: UoW, actor: CurrentActor) -> object:
    return await employees.get_employee(uow, actor, key)


@router.patch("/{key}", response_model=EmployeeView)
async def update_employee(key: str, body: EmployeeUpdate, uow: UoW, actor: CurrentActor) -> object:
    patch = EmployeePatch(frozenset(body.model_fields_set), **body.model_dump())
    return await employees.update_employee(uow, actor, key, patch)


@router.delete("/{key}", status_code=204)
async def delete_employee(key: str, uow: UoW, actor: CurrentActor) -> Response:
    await employees.delete_employee(uow, actor, key)
    return Response(status_code=204)
