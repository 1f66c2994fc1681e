"""/tokens: charge cards and other authorisation tokens. The uid in the path may be typed as
printed on the card ("04:a2:b3:c4"); it is normalised before the lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.fleet import TokenCreate, TokenUpdate
from depotshare.domain.fleet.tokens import TokenStatus, TokenType
from depotshare.services.fleet import tokens
from depotshare.services.fleet.tokens import TokenPatch, TokenView

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=PageOut[TokenView])
async def list_tokens(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="uid or label contains")] = None,
    status: TokenStatus | None = None,
    type: TokenType | None = None,
    group: Annotated[str | None, Query(max_length=20, description="group id")] = None,
    employee: Annotated[str | None, Query(max_length=64, description="employee key")] = None,
    vehicle: Annotated[str | None, Query(max_length=64, description="vehicle key")] = None,
    cost_centre: Annotated[str | None, Query(max_length=64, description="cost centre code")] = None,
) -> object:
    return await tokens.list_tokens(
        uow,
        actor,
        org=org,
        q=q,
        status=status,
        type=type,
        group=group,
        employee=employee,
        vehicle=vehicle,
        cost_centre=cost_centre,
        cursor=cursor,
        limit=limit,
    )


@router.post("", response_model=TokenView, status_code=201)
async def create_token(body: TokenCreate, uow: UoW, actor: CurrentActor) -> object:
    return await tokens.create_token(uow, actor, **body.model_dump())


@router.get("/{uid}", response_model=TokenView)
async def get_token(uid: str, uow: UoW, actor: CurrentActor) -> object:
    return await tokens.get_token(uow, actor, uid)


@router.patch("/{uid}", response_model=TokenView)
async def update_token(uid: str, body: TokenUpdate, uow: UoW, actor: CurrentActor) -> object:
    patch = TokenPatch(frozenset(body.model_fields_set), **body.model_dump())
    return await tokens.update_token(uow, actor, uid, patch)


@router.post("/{uid}/block", response_model=TokenView)
async def block_token(uid: str, uow: UoW, actor: CurrentActor) -> object:
    return await tokens.set_token_status(uow, actor, uid, TokenStatus.BLOCKED)


@router.post("/{uid}/unblock", response_model=TokenView)
async def unblock_token(uid: str, uow: UoW, actor: CurrentActor) -> object:
    return await tokens.set_token_status(uow, actor, uid, TokenStatus.ACTIVE)


@router.delete("/{uid}", status_code=204)
async def delete_token(uid: str, uow: UoW, actor: CurrentActor) -> Response:
    await tokens.delete_token(uow, actor, uid)
    return Response(status_code=204)
