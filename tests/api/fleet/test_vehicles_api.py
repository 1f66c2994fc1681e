"""Vehicles over the API: plates, the employee driving it, cost centres from the organisation or
its parents, reach, filters, deletes, bad input that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.fleet import cost_centres, employees
from depotshare.services.runtime import Runtime
from tests.support.helpers import SYSTEM, login, make_tree, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding", "other": None}
API = "/api/v1/vehicles"


async def _setup(runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    await make_user(runtime, "fm@holding.example", (Role.FLEET_MANAGER, "holding"))
    await make_user(runtime, "fm@south.example", (Role.FLEET_MANAGER, "south"))
    await make_user(runtime, "fac@holding.example", (Role.FACILITY_MANAGER, "holding"))
    for org, code in [("holding", "HQ"), ("north", "N-1"), ("other", "N-1")]:
        async with runtime.uow() as uow:
            await cost_centres.create_cost_centre(uow, SYSTEM, org=org, code=code, name=code)
    for key, org in [
        ("emp-ceo", "holding"),
        ("emp-anna", "north"),
        ("emp-cleo", "south"),
        ("emp-x", "other"),
    ]:
        async with runtime.uow() as uow:
            await employees.create_employee(uow, SYSTEM, key=key, org=org, name=key)


async def _create(client: AsyncClient, h: dict[str, str], **body: str) -> dict[str, Any]:
    r = await client.post(API, json=body, headers=h)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def _all(client: AsyncClient, h: dict[str, str], **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "2", **({"cursor": cursor} if cursor else {})}
        r = await client.get(API, params=query, headers=h)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_round_trip_and_audit(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "fm@holding.example")
    truck = await _create(
        client, h, key="truck-17", org="north", plate="HH-AC-17", cost_centre="N-1", employee="emp-ceo"
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
    await _setup(runtime)
    h = await login(client, "fm@holding.example")
    for key, org, plate, employee in [
        ("car-1", "holding", "B-HQ-1", "emp-ceo"),
        ("truck-1", "north", "HH-T-1", "emp-anna"),
        ("truck-2", "north-site", "HH-T-2", "emp-ceo"),
        ("van-1", "south", "M-V-1", "emp-cleo"),
        ("van-2", "south", "M-V-2", None),
    ]:
        await _create(
            client, h, key=key, org=org, plate=plate, **({"employee": employee} if employee else {})
        )
    assert [v["key"] for v in await _all(client, h)] == ["car-1", "truck-1", "truck-2", "van-1", "van-2"]
    assert [v["key"] for v in await _all(client, h, org="north")] == ["truck-1", "truck-2"]
    assert [v["key"] for v in await _all(client, h, q="hh-t")] == ["truck-1", "truck-2"]
    assert [v["key"] for v in await _all(client, h, employee="emp-ceo")] == ["car-1", "truck-2"]
    assert await _all(client, h, employee="emp-nobody") == []
    south = await login(client, "fm@south.example")
    assert [v["key"] for v in await _all(client, south)] == ["van-1", "van-2"]
    assert (await client.get(f"{API}/truck-1", headers=south)).status_code == 404
    facility = await login(client, "fac@holding.example")
    assert (await client.get(f"{API}/truck-1", headers=facility)).status_code == 404
    assert await _all(client, facility) == []


async def test_delete_detaches_cards(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "admin@holding.example")
    await _create(client, h, key="truck-1", org="north", plate="HH-T-1")
    body = {"uid": "0A0B0C0D", "org": "north", "vehicle": "truck-1"}
    assert (await client.post("/api/v1/tokens", json=body, headers=h)).status_code == 201
    r = await client.patch(f"{API}/truck-1", json={"org": "south"}, headers=h)
    assert r.status_code == 409 and "tokens" in r.json()["detail"]
    assert (await client.delete(f"{API}/truck-1", headers=h)).status_code == 204
    assert (await client.get("/api/v1/tokens/0A0B0C0D", headers=h)).json()["vehicle"] is None
    r = await client.get("/api/v1/audit-log", params={"entity": "vehicle"}, headers=h)
    assert r.json()["items"][0]["before"]["referenced_by"] == {"tokens": 1}


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("post", {"key": "v-9", "org": "north", "plate": "P", "wheels": 4}, 422, "body.wheels"),
    ("post", {"key": "v-9", "org": "north"}, 422, "body.plate"),
    ("post", {"key": "v-9", "org": "north", "plate": "P" * 33}, 422, "body.plate"),
    ("post", {"key": "v-9", "org": "north", "plate": "P", "employee": "emp-cleo"}, 422, "employee"),
    ("post", {"key": "v-9", "org": "north", "plate": "P", "employee": "emp-x"}, 422, "employee"),
    ("post", {"key": "v-9", "org": "holding", "plate": "P", "cost_centre": "N-1"}, 422, "cost_centre"),
    ("post", {"key": "v-9", "org": "other", "plate": "P"}, 404, "organisation"),
    ("post", {"key": "truck-1", "org": "north", "plate": "P"}, 409, "key"),
    ("patch", {"plate": None}, 422, "body.plate"),
    ("patch", {"key": "truck-2"}, 422, "body.key"),
    ("patch", {"org": "south"}, 422, "employee"),
    ("patch", {"description": "ok", "employee": "emp-nobody"}, 422, "employee"),
]


@pytest.mark.parametrize(("method", "body", "status", "field"), BAD)
async def test_bad_input_writes_nothing(
    client: AsyncClient, runtime: Runtime, method: str, body: dict[str, Any], status: int, field: str
) -> None:
    await _setup(runtime)
    h = await login(client, "fm@holding.example")
    await _create(client, h, key="truck-1", org="north", plate="HH-T-1", employee="emp-anna")
    before = await _all(client, h)
    url = API if method == "post" else f"{API}/truck-1"
    r = await client.request(method, url, json=body, headers=h)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if status == 422:
        assert r.json()["errors"][0]["field"] == field
    assert field.split(".")[-1] in r.json()["detail"]
    assert await _all(client, h) == before
