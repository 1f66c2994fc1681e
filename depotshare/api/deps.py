"""Request dependencies: the unit of work and the authenticated actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Unauthenticated
from depotshare.domain.common.keys import MAX_ID
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import auth
from depotshare.services.runtime import Runtime

oauth2 = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="An access token from /api/v1/auth/token, or a personal API key (ds_...).",
)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_uow(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[UnitOfWork]:
    async with runtime.uow() as uow:
        yield uow


async def get_actor(
    uow: Annotated[UnitOfWork, Depends(get_uow)], credential: Annotated[str | None, Depends(oauth2)]
) -> Actor:
    if not credential:
        raise Unauthenticated("authentication required: send 'Authorization: Bearer <token or API key>'")
    return await auth.authenticate(uow, credential)


UoW = Annotated[UnitOfWork, Depends(get_uow)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
# Database ids are 32-bit; larger numbers cannot name anything and must not reach the query.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
OrgFilter = Annotated[
    str | None, Query(description="organisation key: only objects of this organisation and its descendants")
]
