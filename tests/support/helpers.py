"""Small helpers shared by tests: build organisations and logins through the real services."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.domain.common.actor import Actor
from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import organisations as orgs
from depotshare.services.orgs import users
from depotshare.services.orgs.users import RoleSpec
from depotshare.services.runtime import Runtime

SYSTEM = Actor.system("test")
PASSWORD = "correct-horse-battery"


async def make_tree(runtime: Runtime, spec: dict[str, str | None]) -> None:
    """`spec` maps key -> parent key, parents listed before children."""
    for key, parent in spec.items():
        async with runtime.uow() as uow:
            await orgs.create_organisation(uow, SYSTEM, key=key, name=key.title(), parent=parent)


async def make_user(runtime: Runtime, email: str, *roles: tuple[Role, str | None]) -> int:
    async with runtime.uow() as uow:
        view = await users.create_user(
            uow,
            SYSTEM,
            email=email,
            name=email.split("@")[0],
            password=PASSWORD,
            roles=[RoleSpec(r, o) for r, o in roles],
        )
        return view.id


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    r = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
