"""Small helpers shared by tests: build organisations and logins through the real services."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response

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


async def every_page(
    client: AsyncClient, url: str, headers: dict[str, str], *, limit: int = 2, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a listing, following next_cursor page by page (none longer than `limit`)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await client.get(url, headers=headers, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def assert_refused(r: Response, status: int, field: str) -> None:
    """A problem+json refusal naming `field`: in its errors, or in the detail of a 404 (an
    object out of reach is as good as absent, and the detail names what was not found)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if status == 404:
        assert field in r.json()["detail"]
    else:
        assert r.json()["errors"][0]["field"] == field
