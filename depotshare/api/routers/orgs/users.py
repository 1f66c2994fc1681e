"""/users: logins and their role assignments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, IdPath, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.users import RoleIn, UserCreate, UserUpdate
from depotshare.services.orgs import users
from depotshare.services.orgs.users import RoleSpec, UserView

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=PageOut[UserView])
async def list_users(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="name or email contains")] = None,
) -> object:
    return await users.list_users(uow, actor, org=org, q=q, cursor=cursor, limit=limit)


@router.post("", response_model=UserView, status_code=201)
async def create_user(body: UserCreate, uow: UoW, actor: CurrentActor) -> object:
    return await users.create_user(
        uow,
        actor,
        email=body.email,
        name=body.name,
        password=body.password,
        roles=[RoleSpec(r.role, r.org) for r in body.roles],
    )


@router.get("/{user_id}", response_model=UserView)
async def get_user(user_id: IdPath, uow: UoW, actor: CurrentActor) -> object:
    return await users.get_user(uow, actor, user_id)


@router.patch("/{user_id}", response_model=UserView)
async def update_user(user_id: IdPath, body: UserUpdate, uow: UoW, actor: CurrentActor) -> object:
    return await users.update_user(
        uow, actor, user_id, name=body.name, password=body.password, is_active=body.is_active
    )


@router.delete("/{user_id}", status_code=204)
async def delete_user(user_id: IdPath, uow: UoW, actor: CurrentActor) -> Response:
    await users.delete_user(uow, actor, user_id)
    return Response(status_code=204)


@router.post("/{user_id}/roles", response_model=UserView, status_code=201)
async def add_role(user_id: IdPath, body: RoleIn, uow: UoW, actor: CurrentActor) -> object:
    return await users.add_role(uow, actor, user_id, RoleSpec(body.role, body.org))


@router.delete("/{user_id}/roles/{assignment_id}", response_model=UserView)
async def remove_role(user_id: IdPath, assignment_id: IdPath, uow: UoW, actor: CurrentActor) -> object:
    return await users.remove_role(uow, actor, user_id, assignment_id)
