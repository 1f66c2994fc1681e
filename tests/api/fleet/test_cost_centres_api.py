"""Cost centres over the API: per-organisation codes, reach through the tree, moves that would
strand their users, deletes that detach them (bad input: test_bad_input_api.py)."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.fleet import employees
from depotshare.services.runtime import Runtime
from tests.api.fleet.fleet_world import cost_centres_world, create, every_page
from tests.support.helpers import SYSTEM, login, make_user

API = "/api/v1/cost-centres"


async def test_round_trip_and_audit(client: AsyncClient, runtime: Runtime) -> None:
    await cost_centres_world(runtime)
    h = await login(client, "fm@holding.example")
    cc = await create(client, API, h, org="north", code="CC-100", name="Trucks")
    assert {k: cc[k] for k in ("org", "code", "name")} == {"org": "north", "code": "CC-100", "name": "Trucks"}
    assert (await client.get(f"{API}/{cc['id']}", headers=h)).json() == cc
    r = await client.patch(f"{API}/{cc['id']}", json={"code": "CC-101", "name": "Heavy trucks"}, headers=h)
    assert r.status_code == 200 and (r.json()["code"], r.json()["name"]) == ("CC-101", "Heavy trucks")
    assert (await client.delete(f"{API}/{cc['id']}", headers=h)).status_code == 204
    assert (await client.get(f"{API}/{cc['id']}", headers=h)).status_code == 404
    # Fleet managers do not read the audit log; its org_admin does.
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    admin = await login(client, "admin@holding.example")
    r = await client.get(
        "/api/v1/audit-log", params={"entity": "cost_centre", "entity_id": str(cc["id"])}, headers=admin
    )
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    assert entries[1]["before"] == {"org": "north", "code": "CC-100", "name": "Trucks"}
    assert entries[1]["after"] == {"org": "north", "code": "CC-101", "name": "Heavy trucks"}


async def test_codes_are_unique_per_organisation(client: AsyncClient, runtime: Runtime) -> None:
    await cost_centres_world(runtime)
    h = await login(client, "fm@holding.example")
    await create(client, API, h, org="north", code="CC-100", name="Trucks")
    await create(client, API, h, org="south", code="CC-100", name="Vans")  # another organisation: fine
    r = await client.post(API, json={"org": "north", "code": "CC-100", "name": "Again"}, headers=h)
    assert r.status_code == 409 and "code" in r.json()["detail"]
    other = await create(client, API, h, org="north", code="CC-200", name="Cars")
    r = await client.patch(f"{API}/{other['id']}", json={"code": "CC-100"}, headers=h)
    assert r.status_code == 409 and "code" in r.json()["detail"]
    assert sorted(c["code"] for c in await every_page(client, API, h)) == ["CC-100", "CC-100", "CC-200"]


async def test_reach_filters_and_pagination(client: AsyncClient, runtime: Runtime) -> None:
    await cost_centres_world(runtime)
    h = await login(client, "fm@holding.example")
    made = [
        await create(client, API, h, org=org, code=code, name=name)
        for org, code, name in [
            ("holding", "HQ", "Head office"),
            ("north", "N-1", "North trucks"),
            ("north-site", "NS-1", "Site vans"),
            ("south", "S-1", "South trucks"),
            ("south", "S-2", "South cars"),
        ]
    ]
    assert [c["id"] for c in await every_page(client, API, h)] == [c["id"] for c in made]
    assert [c["code"] for c in await every_page(client, API, h, org="north")] == ["N-1", "NS-1"]
    assert [c["code"] for c in await every_page(client, API, h, q="trucks")] == ["N-1", "S-1"]
    assert [c["code"] for c in await every_page(client, API, h, q="ns-")] == ["NS-1"]
    south = await login(client, "fm@south.example")
    assert [c["code"] for c in await every_page(client, API, south)] == ["S-1", "S-2"]
    assert (await client.get(f"{API}/{made[1]['id']}", headers=south)).status_code == 404
    assert (await client.delete(f"{API}/{made[1]['id']}", headers=south)).status_code == 404
    facility = await login(client, "fac@holding.example")
    assert (await client.get(f"{API}/{made[0]['id']}", headers=facility)).status_code == 404
    assert (await client.get(API, params={"org": "other"}, headers=h)).status_code == 404
    assert (await client.get(API, params={"cursor": "99999999999"}, headers=h)).status_code == 422


async def test_moving_needs_write_on_both_sides_and_strands_nothing(
    client: AsyncClient, runtime: Runtime
) -> None:
    await cost_centres_world(runtime)
    h = await login(client, "fm@holding.example")
    hq = await create(client, API, h, org="holding", code="HQ", name="Head office")
    north = await create(client, API, h, org="north", code="N-1", name="North")
    async with runtime.uow() as uow:
        await employees.create_employee(
            uow, SYSTEM, key="emp-1", org="north-site", name="A", cost_centre="HQ"
        )
    # The holding cost centre serves a north-site employee: moving it to south would strand it.
    r = await client.patch(f"{API}/{hq['id']}", json={"org": "south"}, headers=h)
    assert r.status_code == 409 and "employees" in r.json()["detail"]
    r = await client.patch(f"{API}/{hq['id']}", json={"org": "north"}, headers=h)
    assert r.status_code == 200 and r.json()["org"] == "north"
    # fm@north sees south but may not write there: 403; the holding it may not write either.
    fm_north = await login(client, "fm@north.example")
    r = await client.patch(f"{API}/{north['id']}", json={"org": "south"}, headers=fm_north)
    assert r.status_code == 403
    r = await client.patch(f"{API}/{north['id']}", json={"org": "north-site"}, headers=fm_north)
    assert r.status_code == 200 and r.json()["org"] == "north-site"
    fm_south = await login(client, "fm@south.example")
    r = await client.post(API, json={"org": "north", "code": "X", "name": "x"}, headers=fm_south)
    assert r.status_code == 404


async def test_delete_detaches_users_and_is_audited(client: AsyncClient, runtime: Runtime) -> None:
    await cost_centres_world(runtime)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    h = await login(client, "admin@holding.example")
    cc = await create(client, API, h, org="north", code="N-1", name="North")
    body = {"key": "emp-1", "org": "north", "name": "A", "cost_centre": "N-1"}
    assert (await client.post("/api/v1/employees", json=body, headers=h)).status_code == 201
    body = {"key": "van-1", "org": "north", "plate": "B-1", "cost_centre": "N-1"}
    assert (await client.post("/api/v1/vehicles", json=body, headers=h)).status_code == 201
    body = {"uid": "0102030405060708", "org": "north-site", "cost_centre": "N-1"}
    assert (await client.post("/api/v1/tokens", json=body, headers=h)).status_code == 201
    assert (await client.delete(f"{API}/{cc['id']}", headers=h)).status_code == 204
    assert (await client.get("/api/v1/employees/emp-1", headers=h)).json()["cost_centre"] is None
    assert (await client.get("/api/v1/vehicles/van-1", headers=h)).json()["cost_centre"] is None
    assert (await client.get("/api/v1/tokens/0102030405060708", headers=h)).json()["cost_centre"] is None
    r = await client.get("/api/v1/audit-log", params={"entity": "cost_centre"}, headers=h)
    deleted = r.json()["items"][0]
    assert deleted["action"] == "delete" and deleted["org"] == "north"
    assert deleted["before"]["referenced_by"] == {"employees": 1, "vehicles": 1, "tokens": 1}
