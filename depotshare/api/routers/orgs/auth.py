"""/auth: log in, who am I, personal API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from depotshare.api.deps import CurrentActor, IdPath, UoW
from depotshare.api.schemas.common import Input, has_nul
from depotshare.domain.common.errors import Unauthenticated
from depotshare.services.orgs import auth, users
from depotshare.services.orgs.auth import ApiKeyView
from depotshare.services.orgs.users import UserView

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class ApiKeyCreate(Input):
    name: str = Field(min_length=1, max_length=100)


@router.post("/token", response_model=TokenOut)
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], uow: UoW) -> TokenOut:
    """OAuth2 password login: `username` is the email address."""
    if has_nul(form.username) or has_nul(form.password):
        raise Unauthenticated("incorrect email or password")
    return TokenOut(access_token=await auth.login(uow, form.username, form.password))


@router.get("/me", response_model=UserView)
async def me(uow: UoW, actor: CurrentActor) -> object:
    return await users.get_self(uow, actor)


@router.get("/api-keys", response_model=list[ApiKeyView])
async def list_api_keys(uow: UoW, actor: CurrentActor) -> object:
    return await auth.list_api_keys(uow, actor)


@router.post("/api-keys", response_model=ApiKeyView, status_code=201)
async def create_api_key(body: ApiKeyCreate, uow: UoW, actor: CurrentActor) -> object:
    """The full key is in `key` of this response only; store it now."""
    return await auth.create_api_key(uow, actor, body.name)


@router.delete("/api-keys/{key_id}", status_code=204)
async def revoke_api_key(key_id: IdPath, uow: UoW, actor: CurrentActor) -> Response:
    await auth.revoke_api_key(uow, actor, key_id)
    return Response(status_code=204)
