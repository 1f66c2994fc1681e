"""Employees over the API: the link to a driver's login, cost centres from the organisation or
its parents, who may read and write, moves, deletes (bad input: test_bad_input_api.py)."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.api.fleet.fleet_world import create, employees_world, every_page
from tests.support.helpers import login

API = "/api/v1/employees"


async def test_round_trip_with_login_link(client: AsyncClient, runtime: Runtime) -> None:
    await employees_world(runtime)
    h = await login(client, "fm@holding.example")
    jane = await create(
        client,
        API,
        h,
        key="emp-1001",
        org="north-site",
        name="Jane Driver",
        email="jane@north.example",
        cost_centre="N-1",
        user="Jane@North.example",
    )
    assert {k: v for k, v in jane.items() if k != "created_at"} == {
        "key": "emp-1001",
        "org": "north-site",
        "name": "Jane Driver",
        "email": "jane@north.example",
        "cost_centre": "N-1",
        "user": "jane@north.example",
    }
    assert (await client.get(f"{API}/emp-1001", headers=h)).json() == jane
    r = await client.patch(
        f"{API}/emp-1001", json={"cost_centre": "HQ", "user": None, "email": None}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["cost_centre"], r.json()["user"], r.json()["email"]) == ("HQ", None, None)
    assert r.json()["name"] == "Jane Driver"
    assert (await client.delete(f"{API}/emp-1001", headers=h)).status_code == 204
    assert (await client.get(f"{API}/emp-1001", headers=h)).status_code == 404
    admin = await login(client, "admin@holding.example")
    r = await client.get(
        "/api/v1/audit-log", params={"entity": "employee", "entity_id": "emp-1001"}, headers=admin
    )
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    assert entries[1]["before"]["user"] == "jane@north.example" and entries[1]["after"]["user"] is None
    assert all(e["org"] == "north-site" for e in entries)


async def test_reach_filters_and_pagination(client: AsyncClient, runtime: Runtime) -> None:
    await employees_world(runtime)
    h = await login(client, "fm@holding.example")
    for key, org, name, cc in [
        ("emp-1", "holding", "Ceo", "HQ"),
        ("emp-2", "north", "Anna North", "N-1"),
        ("emp-3", "north-site", "Bert Site", "HQ"),
        ("emp-4", "south", "Cleo South", "S-1"),
        ("emp-5", "south", "Dirk South", None),
    ]:
        await create(client, API, h, key=key, org=org, name=name, **({"cost_centre": cc} if cc else {}))
    assert [e["key"] for e in await every_page(client, API, h)] == [
        "emp-1",
        "emp-2",
        "emp-3",
        "emp-4",
        "emp-5",
    ]
    assert [e["key"] for e in await every_page(client, API, h, org="north")] == ["emp-2", "emp-3"]
    assert [e["key"] for e in await every_page(client, API, h, q="south")] == ["emp-4", "emp-5"]
    assert [e["key"] for e in await every_page(client, API, h, cost_centre="HQ")] == ["emp-1", "emp-3"]
    south = await login(client, "fm@south.example")
    assert [e["key"] for e in await every_page(client, API, south)] == ["emp-4", "emp-5"]
    assert (await client.get(f"{API}/emp-2", headers=south)).status_code == 404
    assert (await client.patch(f"{API}/emp-2", json={"name": "x"}, headers=south)).status_code == 404
    # Facility managers read employees (home chargers name them) but do not change them.
    facility = await login(client, "fac@holding.example")
    assert len(await every_page(client, API, facility)) == 5
    assert (await client.patch(f"{API}/emp-2", json={"name": "x"}, headers=facility)).status_code == 403
    body = {"key": "emp-9", "org": "north", "name": "x"}
    assert (await client.post(API, json=body, headers=facility)).status_code == 403
    driver = await login(client, "jane@north.example")
    assert await every_page(client, API, driver) == []
    assert (await client.get(f"{API}/emp-2", headers=driver)).status_code == 404


async def test_moves_keep_references_consistent(client: AsyncClient, runtime: Runtime) -> None:
    await employees_world(runtime)
    h = await login(client, "admin@holding.example")
    await create(
        client, API, h, key="emp-1", org="north", name="A", cost_centre="N-1", user="jane@north.example"
    )
    await create(client, API, h, key="emp-2", org="holding", name="B")
    card = {"uid": "0A0B0C0D", "org": "north-site", "employee": "emp-2"}
    assert (await client.post("/api/v1/tokens", json=card, headers=h)).status_code == 201
    # emp-1's cost centre and login are north's: moving to south strands both unless replaced.
    r = await client.patch(f"{API}/emp-1", json={"org": "south"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cost_centre"
    r = await client.patch(f"{API}/emp-1", json={"org": "south", "cost_centre": "S-1"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user"
    r = await client.patch(
        f"{API}/emp-1", json={"org": "south", "cost_centre": "S-1", "user": None}, headers=h
    )
    assert r.status_code == 200 and r.json()["org"] == "south"
    # emp-2 holds a north-site card: it may move down to north, not across to south.
    r = await client.patch(f"{API}/emp-2", json={"org": "south"}, headers=h)
    assert r.status_code == 409 and "tokens" in r.json()["detail"]
    r = await client.patch(f"{API}/emp-2", json={"org": "north"}, headers=h)
    assert r.status_code == 200 and r.json()["org"] == "north"


async def test_delete_detaches_vehicles_and_cards(client: AsyncClient, runtime: Runtime) -> None:
    await employees_world(runtime)
    h = await login(client, "admin@holding.example")
    await create(client, API, h, key="emp-1", org="north", name="A")
    body = {"key": "van-1", "org": "north", "plate": "B-1", "employee": "emp-1"}
    assert (await client.post("/api/v1/vehicles", json=body, headers=h)).status_code == 201
    assert (await client.delete(f"{API}/emp-1", headers=h)).status_code == 204
    assert (await client.get("/api/v1/vehicles/van-1", headers=h)).json()["employee"] is None
    r = await client.get("/api/v1/audit-log", params={"entity": "employee"}, headers=h)
    assert r.json()["items"][0]["before"]["referenced_by"] == {"vehicles": 1}


async def test_absent_and_invisible_login_read_the_same(client: AsyncClient, runtime: Runtime) -> None:
    await employees_world(runtime)
    h = await login(client, "fm@south.example")
    details = []
    for email in ("olaf@other.example", "nobody@other.example"):
        r = await client.post(
            API, json={"key": "emp-9", "org": "south", "name": "x", "user": email}, headers=h
        )
        assert r.status_code == 422
        details.append(r.json()["errors"][0]["detail"].replace(email, "EMAIL"))
    assert details[0] == details[1]
