"""Vehicles over the API: plates, the employee driving it, cost centres from the organisation or
its parents, reach, filters, deletes (bad input: test_bad_input_api.py)."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.api.fleet.fleet_world import create, every_page, vehicles_world
from tests.support.helpers import login

API = "/api/v1/vehicles"


async def test_round_trip_and_audit(client: AsyncClient, runtime: Runtime) -> None:
    await vehicles_world(runtime)
    h = await login(client, "fm@holding.example")
    truck = await create(
        client, API, h, key="truck-17", org="north", plate="HH-AC-17", cost_centre="N-1", employee="emp-ceo"
    )
    assert {k: v for k, v in truck.items() if k != "created_at"} == {
        "key": "truck-17",
        "org": "north",
        "plate": "HH-AC-17",
        "description": None,
        "cost_centre": "N-1",
        "employee": "emp-ceo",
    }
    assert (await client.get(f"{API}/truck-17", headers=h)).json() == truck
    r = await client.patch(
        f"{API}/truck-17",
        json={"description": "Tractor", "employee": "emp-anna", "plate": "HH-AC-18"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["description"], r.json()["employee"], r.json()["plate"]) == (
        "Tractor",
        "emp-anna",
        "HH-AC-18",
    )
    r = await client.patch(f"{API}/truck-17", json={"cost_centre": None}, headers=h)
    assert r.status_code == 200 and r.json()["cost_centre"] is None
    assert (await client.delete(f"{API}/truck-17", headers=h)).status_code == 204
    assert (await client.get(f"{API}/truck-17", headers=h)).status_code == 404
    admin = await login(client, "admin@holding.example")
    r = await client.get(
        "/api/v1/audit-log", params={"entity": "vehicle", "entity_id": "truck-17"}, headers=admin
    )
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "update", "create"]
    assert entries[2]["before"]["employee"] == "emp-ceo" and entries[2]["after"]["employee"] == "emp-anna"


async def test_reach_filters_and_pagination(client: AsyncClient, runtime: Runtime) -> None:
    await vehicles_world(runtime)
    h = await login(client, "fm@holding.example")
    for key, org, plate, employee in [
        ("car-1", "holding", "B-HQ-1", "emp-ceo"),
        ("truck-1", "north", "HH-T-1", "emp-anna"),
        ("truck-2", "north-site", "HH-T-2", "emp-ceo"),
        ("van-1", "south", "M-V-1", "emp-cleo"),
        ("van-2", "south", "M-V-2", None),
    ]:
        await create(
            client, API, h, key=key, org=org, plate=plate, **({"employee": employee} if employee else {})
        )
    assert [v["key"] for v in await every_page(client, API, h)] == [
        "car-1",
        "truck-1",
        "truck-2",
        "van-1",
        "van-2",
    ]
    assert [v["key"] for v in await every_page(client, API, h, org="north")] == ["truck-1", "truck-2"]
    assert [v["key"] for v in await every_page(client, API, h, q="hh-t")] == ["truck-1", "truck-2"]
    assert [v["key"] for v in await every_page(client, API, h, employee="emp-ceo")] == ["car-1", "truck-2"]
    assert await every_page(client, API, h, employee="emp-nobody") == []
    south = await login(client, "fm@south.example")
    assert [v["key"] for v in await every_page(client, API, south)] == ["van-1", "van-2"]
    assert (await client.get(f"{API}/truck-1", headers=south)).status_code == 404
    facility = await login(client, "fac@holding.example")
    assert (await client.get(f"{API}/truck-1", headers=facility)).status_code == 404
    assert await every_page(client, API, facility) == []


async def test_delete_detaches_cards(client: AsyncClient, runtime: Runtime) -> None:
    await vehicles_world(runtime)
    h = await login(client, "admin@holding.example")
    await create(client, API, h, key="truck-1", org="north", plate="HH-T-1")
    body = {"uid": "0A0B0C0D", "org": "north", "vehicle": "truck-1"}
    assert (await client.post("/api/v1/tokens", json=body, headers=h)).status_code == 201
    r = await client.patch(f"{API}/truck-1", json={"org": "south"}, headers=h)
    assert r.status_code == 409 and "tokens" in r.json()["detail"]
    assert (await client.delete(f"{API}/truck-1", headers=h)).status_code == 204
    assert (await client.get("/api/v1/tokens/0A0B0C0D", headers=h)).json()["vehicle"] is None
    r = await client.get("/api/v1/audit-log", params={"entity": "vehicle"}, headers=h)
    assert r.json()["items"][0]["before"]["referenced_by"] == {"tokens": 1}
