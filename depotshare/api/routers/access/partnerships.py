"""/partnerships and their /grants: a host opens its chargers to a partner company. Written by the
host side, read by both sides (docs/api.md "Partnerships and grants"). A partnership is addressed
by its key, or as HOST:PARTNER when it has none; a grant by its key, or its id when it has none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.partnerships import GrantBody, PartnershipCreate, PartnershipUpdate
from depotshare.domain.access.grants import GrantStatus, PartnershipStatus
from depotshare.domain.access.partnerships import PartnershipIn
from depotshare.services.access import grants, partnerships
from depotshare.services.access.grant_shapes import GrantPatch, GrantSpec, GrantView
from depotshare.services.access.partnerships import PartnershipPatch, PartnershipView

router = APIRouter(prefix="/partnerships", tags=["partnerships"])

Ref = Annotated[
    str, Path(max_length=140, description="partnership key, or HOST:PARTNER (organisation keys) without one")
]
GrantRef = Annotated[str, Path(max_length=64, description="grant key, or the grant's id when it has no key")]


@router.get("", response_model=PageOut[PartnershipView])
async def list_partnerships(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: Annotated[
        str | None,
        Query(description="organisation key: partnerships whose host or partner lies in its subtree"),
    ] = None,
    host: Annotated[str | None, Query(max_length=64, description="host organisation key")] = None,
    partner: Annotated[str | None, Query(max_length=64, description="partner organisation key")] = None,
    status: PartnershipStatus | None = None,
) -> object:
    """The partnerships the caller's organisations host (host side) and those naming them as the
    partner (partner side, without the revenue share)."""
    return await partnerships.list_partnerships(
        uow, actor, org=org, host=host, partner=partner, status=status, cursor=cursor, limit=limit
    )


@router.post("", response_model=PartnershipView, status_code=201)
async def create_partnership(body: PartnershipCreate, uow: UoW, actor: CurrentActor) -> object:
    entry = PartnershipIn.model_validate(body.model_dump(exclude_unset=True))
    return await partnerships.create_partnership(uow, actor, entry)


@router.get("/{ref}", response_model=PartnershipView)
async def get_partnership(ref: Ref, uow: UoW, actor: CurrentActor) -> object:
    return await partnerships.get_partnership(uow, actor, ref)


@router.patch("/{ref}", response_model=PartnershipView)
async def update_partnership(ref: Ref, body: PartnershipUpdate, uow: UoW, actor: CurrentActor) -> object:
    values = {name: getattr(body, name) for name in body.model_fields_set}
    return await partnerships.update_partnership(
        uow, actor, ref, PartnershipPatch(frozenset(body.model_fields_set), **values)
    )


@router.get("/{ref}/grants", response_model=PageOut[GrantView])
async def list_grants(
    ref: Ref,
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: GrantStatus | None = None,
) -> object:
    return await grants.list_grants(uow, actor, ref, status=status, cursor=cursor, limit=limit)


@router.post("/{ref}/grants", response_model=GrantView, status_code=201)
async def create_grant(ref: Ref, body: GrantBody, uow: UoW, actor: CurrentActor) -> object:
    return await grants.create_grant(uow, actor, ref, GrantSpec(body.entry(), body.subject))


@router.get("/{ref}/grants/{grant}", response_model=GrantView)
async def get_grant(ref: Ref, grant: GrantRef, uow: UoW, actor: CurrentActor) -> object:
    return await grants.get_grant(uow, actor, ref, grant)


@router.patch("/{ref}/grants/{grant}", response_model=GrantView)
async def update_grant(ref: Ref, grant: GrantRef, body: GrantBody, uow: UoW, actor: CurrentActor) -> object:
    given = frozenset(body.model_fields_set)
    values = body.entry().model_dump(exclude_unset=True)
    patch = GrantPatch(given, values, body.subject)
    return await grants.update_grant(uow, actor, ref, grant, patch)


@router.delete("/{ref}/grants/{grant}", status_code=204)
async def delete_grant(ref: Ref, grant: GrantRef, uow: UoW, actor: CurrentActor) -> Response:
    await grants.delete_grant(uow, actor, ref, grant)
    return Response(status_code=204)
