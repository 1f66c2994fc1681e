"""/organisations: the organisation forest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.orgs import OrganisationCreate, OrganisationUpdate
from depotshare.services.orgs import organisations as orgs
from depotshare.services.orgs.organisations import OrganisationView

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=PageOut[OrganisationView])
async def list_organisations(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    within: Annotated[str | None, Query(description="only this organisation and its descendants")] = None,
    parent: Annotated[str | None, Query(description="only direct children of this organisation")] = None,
    roots: Annotated[bool, Query(description="only top-level organisations")] = False,
    q: Annotated[str | None, Query(max_length=100, description="name or key contains")] = None,
) -> object:
    return await orgs.list_organisations(
        uow, actor, within=within, parent=parent, roots_only=roots, q=q, cursor=cursor, limit=limit
    )


@router.post("", response_model=OrganisationView, status_code=201)
async def create_organisation(body: OrganisationCreate, uow: UoW, actor: CurrentActor) -> object:
    return await orgs.create_organisation(uow, actor, key=body.key, name=body.name, parent=body.parent)


@router.get("/{key}", response_model=OrganisationView)
async def get_organisation(key: str, uow: UoW, actor: CurrentActor) -> object:
    return await orgs.get_organisation(uow, actor, key)


@router.patch("/{key}", response_model=OrganisationView)
async def update_organisation(key: str, body: OrganisationUpdate, uow: UoW, actor: CurrentActor) -> object:
    moving = "parent" in body.model_fields_set
    return await orgs.update_organisation(
        uow, actor, key, name=body.name, parent=body.parent, make_root=moving and body.parent is None
    )


@router.delete("/{key}", status_code=204)
async def delete_organisation(key: str, uow: UoW, actor: CurrentActor) -> Response:
    await orgs.delete_organisation(uow, actor, key)
    return Response(status_code=204)
