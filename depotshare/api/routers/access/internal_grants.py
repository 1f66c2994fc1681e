"""/internal-grants: a host's explicit grants for its own fleet at its own places (no partnership).
Host side only (docs/api.md "Internal grants"). Addressed as HOST:KEY, or by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.partnerships import InternalGrantCreate, InternalGrantUpdate
from depotshare.domain.access.grants import GrantStatus
from depotshare.services.access import internal_grants
from depotshare.services.access.grant_shapes import GrantPatch, GrantSpec, InternalGrantView
from depotshare.services.access.internal_grants import InternalGrantSpec

router = APIRouter(prefix="/internal-grants", tags=["internal grants"])

Ref = Annotated[
    str, Path(max_length=140, description="HOST:KEY (organisation key, grant key), or the grant's id")
]


@router.get("", response_model=PageOut[InternalGrantView])
async def list_internal_grants(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: Annotated[
        str | None, Query(description="organisation key: grants whose host or subject lies in its subtree")
    ] = None,
    location: Annotated[
        str | None, Query(max_length=64, description="location key: grants naming it or its stations")
    ] = None,
    status: GrantStatus | None = None,
) -> object:
    return await internal_grants.list_internal_grants(
        uow, actor, org=org, location=location, status=status, cursor=cursor, limit=limit
    )


@router.post("", response_model=InternalGrantView, status_code=201)
async def create_internal_grant(body: InternalGrantCreate, uow: UoW, actor: CurrentActor) -> object:
    spec = InternalGrantSpec(body.host, GrantSpec(body.entry(), body.subject))
    return await internal_grants.create_internal_grant(uow, actor, spec)


@router.get("/{ref}", response_model=InternalGrantView)
async def get_internal_grant(ref: Ref, uow: UoW, actor: CurrentActor) -> object:
    return await internal_grants.get_internal_grant(uow, actor, ref)


@router.patch("/{ref}", response_model=InternalGrantView)
async def update_internal_grant(ref: Ref, body: InternalGrantUpdate, uow: UoW, actor: CurrentActor) -> object:
    given = frozenset(body.model_fields_set)
    values = body.entry().model_dump(exclude_unset=True)
    return await internal_grants.update_internal_grant(
        uow, actor, ref, GrantPatch(given, values, body.subject)
    )


@router.delete("/{ref}", status_code=204)
async def delete_internal_grant(ref: Ref, uow: UoW, actor: CurrentActor) -> Response:
    await internal_grants.delete_internal_grant(uow, actor, ref)
    return Response(status_code=204)
