"""Organisations over the API: create, list within reach, move a subtree, errors."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from tests.support.helpers import login, make_tree, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding", "other": None}


async def test_org_admin_sees_only_its_subtree(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@north.example", (Role.ORG_ADMIN, "north"))
    h = await login(client, "admin@north.example")
    r = await client.get("/api/v1/organisations", headers=h)
    assert r.status_code == 200
    assert {o["key"] for o in r.json()["items"]} == {"north", "north-site"}
    assert (await client.get("/api/v1/organisations/south", headers=h)).status_code == 404
    assert (await client.get("/api/v1/organisations/holding", headers=h)).status_code == 404


async def test_move_subtree_moves_reach(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    await make_user(runtime, "fm@south.example", (Role.FLEET_MANAGER, "south"))
    admin = await login(client, "admin@holding.example")
    fm = await login(client, "fm@south.example")
    assert (await client.get("/api/v1/organisations/north-site", headers=fm)).status_code == 404
    r = await client.patch("/api/v1/organisations/north", json={"parent": "south"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["parent"] == "south" and r.json()["depth"] == 2
    site = await client.get("/api/v1/organisations/north-site", headers=fm)
    assert site.status_code == 200 and site.json()["depth"] == 3


async def test_cycle_and_bad_input_are_refused_without_writing(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    h = await login(client, "admin@holding.example")
    r = await client.patch("/api/v1/organisations/holding", json={"parent": "north-site"}, headers=h)
    assert r.status_code in (403, 409)
    r = await client.post(
        "/api/v1/organisations", json={"key": "Bad Key", "name": "x", "parent": "holding"}, headers=h
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "body.key"
    r = await client.post(
        "/api/v1/organisations", content=b"{not json", headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 400
    keys = {o["key"] for o in (await client.get("/api/v1/organisations", headers=h)).json()["items"]}
    assert keys == {"holding", "north", "north-site", "south"}


async def test_unauthenticated_is_401_problem(client: AsyncClient) -> None:
    r = await client.get("/api/v1/organisations")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_foreign_cursor_is_422_not_500(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    h = await login(client, "admin@holding.example")
    for cursor in ("99999999999999999999", "abc", "-1"):
        r = await client.get("/api/v1/organisations", params={"cursor": cursor}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor", cursor
