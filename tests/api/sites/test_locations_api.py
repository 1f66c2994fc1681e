"""Locations over the API: round trips, filters and pages, home chargers, reach by role,
audit entries, and bad input that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from depotshare.store.fleet.models import Employee
from depotshare.store.orgs.organisations import Organisations
from tests.api.sites.world import make_sites_world
from tests.support.helpers import assert_refused, every_page, login, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding", "other": None}
API = "/api/v1/locations"

DEPOT: dict[str, Any] = {
    "key": "depot-hamburg",
    "org": "north-site",
    "name": "Depot Hamburg",
    "timezone": "Europe/Berlin",
    "address": {"street": "Hafenstr. 1", "city": "Hamburg", "postal_code": "20457", "country": "DEU"},
    "coordinates": {"lat": 53.54, "lon": 9.98},
    "publish": False,
    "grid_limit_kw": 400,
}


async def _setup(runtime: Runtime) -> None:
    await make_sites_world(runtime, TREE)


async def _employee(runtime: Runtime, org: str, key: str) -> None:
    async with runtime.uow() as uow:
        owner = await uow.repo(Organisations).get_by_key(org)
        assert owner is not None
        uow.session.add(Employee(org_id=owner.id, key=key, name=key.title()))
        await uow.commit()


async def _keys(client: AsyncClient, headers: dict[str, str], **params: Any) -> set[str]:
    r = await client.get(API, headers=headers, params=params)
    assert r.status_code == 200, r.text
    return {loc["key"] for loc in r.json()["items"]}


async def _audit(client: AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/audit-log", headers=headers, params={"entity": "location"})
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["items"]
    return entries


async def test_round_trip(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "fac@north.example")
    r = await client.post(API, json=DEPOT, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["org"] == "north-site" and created["timezone"] == "Europe/Berlin"
    assert created["address"]["country"] == "DEU"
    assert created["coordinates"] == {"lat": "53.540000", "lon": "9.980000"}
    assert created["grid_limit_kw"] == "400.00" and created["home"] is None and created["publish"] is False
    got = await client.get(f"{API}/depot-hamburg", headers=h)
    assert got.status_code == 200 and got.json() == created

    r = await client.patch(
        f"{API}/depot-hamburg",
        json={
            "name": "Depot HH",
            "grid_limit_kw": None,
            "publish": True,
            "coordinates": {"lat": 1, "lon": -2},
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["name"] == "Depot HH" and patched["grid_limit_kw"] is None and patched["publish"] is True
    assert patched["coordinates"] == {"lat": "1.000000", "lon": "-2.000000"}
    assert patched["address"] == created["address"] and patched["timezone"] == "Europe/Berlin"
    assert (await client.get(f"{API}/depot-hamburg", headers=h)).json() == patched

    assert (await client.delete(f"{API}/depot-hamburg", headers=h)).status_code == 204
    assert (await client.get(f"{API}/depot-hamburg", headers=h)).status_code == 404


async def test_filters_and_pages(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "admin@holding.example")
    for key, org, publish in [
        ("n-1", "north", False),
        ("n-2", "north-site", True),
        ("n-3", "north-site", False),
        ("s-1", "south", False),
        ("s-2", "south", True),
    ]:
        body = {**DEPOT, "key": key, "org": org, "name": f"Site {key.upper()}", "publish": publish}
        assert (await client.post(API, json=body, headers=h)).status_code == 201
    assert await _keys(client, h, org="north") == {"n-1", "n-2", "n-3"}
    assert await _keys(client, h, org="north-site") == {"n-2", "n-3"}
    assert await _keys(client, h, publish="true") == {"n-2", "s-2"}
    assert await _keys(client, h, q="site s-") == {"s-1", "s-2"}
    assert await _keys(client, h, q="N-3") == {"n-3"}
    assert await _keys(client, h, home="true") == set()
    assert (await client.get(API, headers=h, params={"org": "nowhere"})).status_code == 404

    seen = [loc["key"] for loc in await every_page(client, API, h, limit=2)]
    assert seen == ["n-1", "n-2", "n-3", "s-1", "s-2"]
    r = await client.get(API, headers=h, params={"cursor": "abc"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


async def test_home_charger(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    await _employee(runtime, "north", "emp-1001")
    await _employee(runtime, "south", "emp-2001")
    h = await login(client, "fac@north.example")
    home = {"key": "home-jane", "org": "north", "name": "Jane's garage", "home": {"employee": "emp-1001"}}
    r = await client.post(API, json=home, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["home"] == {"employee": "emp-1001"} and r.json()["timezone"] == "UTC"
    assert await _keys(client, h, home="true") == {"home-jane"}
    assert await _keys(client, h, home="false") == set()

    # An employee the caller cannot see is as good as absent.
    bad = {**home, "key": "home-other", "home": {"employee": "emp-2001"}}
    r = await client.post(API, json=bad, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "home.employee"
    r = await client.patch(f"{API}/home-jane", json={"home": {"employee": "emp-2001"}}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "home.employee"

    r = await client.patch(f"{API}/home-jane", json={"home": None}, headers=h)
    assert r.status_code == 200 and r.json()["home"] is None
    assert await _keys(client, h, home="true") == set()


async def test_reach_follows_roles(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    north = await login(client, "fac@north.example")
    assert (await client.post(API, json=DEPOT, headers=north)).status_code == 201
    url = f"{API}/depot-hamburg"

    # A facility manager of a sibling organisation: nothing to see, nothing to change.
    south = await login(client, "fac@south.example")
    assert await _keys(client, south) == set()
    assert (await client.get(url, headers=south)).status_code == 404
    assert (await client.patch(url, json={"name": "x"}, headers=south)).status_code == 404
    assert (await client.delete(url, headers=south)).status_code == 404

    # Fleet managers do not see locations at all, even in their own organisation.
    fleet = await login(client, "fleet@north.example")
    assert await _keys(client, fleet) == set()
    assert (await client.get(url, headers=fleet)).status_code == 404
    assert (await client.patch(url, json={"name": "x"}, headers=fleet)).status_code == 404
    assert (await client.delete(url, headers=fleet)).status_code == 404
    r = await client.post(API, json={**DEPOT, "key": "fleet-depot", "org": "north"}, headers=fleet)
    assert r.status_code == 403

    # A facility manager on the parent reaches the child organisation's locations.
    parent = await login(client, "fac@holding.example")
    assert await _keys(client, parent) == {"depot-hamburg"}
    r = await client.patch(url, json={"name": "Depot Hamburg Süd"}, headers=parent)
    assert r.status_code == 200 and r.json()["name"] == "Depot Hamburg Süd"
    assert (await client.get(url, headers=north)).json()["name"] == "Depot Hamburg Süd"


async def test_move_needs_write_on_both_organisations(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    await make_user(
        runtime, "mixed@example.example", (Role.FACILITY_MANAGER, "north"), (Role.FLEET_MANAGER, "south")
    )
    parent = await login(client, "fac@holding.example")
    assert (await client.post(API, json=DEPOT, headers=parent)).status_code == 201
    url = f"{API}/depot-hamburg"

    north = await login(client, "fac@north.example")
    r = await client.patch(url, json={"org": "south"}, headers=north)
    assert r.status_code == 404 and "south" in r.json()["detail"]
    mixed = await login(client, "mixed@example.example")
    assert (await client.patch(url, json={"org": "south"}, headers=mixed)).status_code == 403
    assert (await client.get(url, headers=parent)).json()["org"] == "north-site"

    r = await client.patch(url, json={"org": "south"}, headers=parent)
    assert r.status_code == 200 and r.json()["org"] == "south"
    assert (await client.get(url, headers=north)).status_code == 404
    assert (await client.get(url, headers=await login(client, "fac@south.example"))).status_code == 200


async def test_writes_are_audited(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "fac@north.example")
    admin = await login(client, "admin@holding.example")
    assert (await client.post(API, json=DEPOT, headers=h)).status_code == 201
    assert (await client.patch(f"{API}/depot-hamburg", json={"name": "HH"}, headers=h)).status_code == 200
    # An unchanged PATCH writes no entry.
    assert (await client.patch(f"{API}/depot-hamburg", json={"name": "HH"}, headers=h)).status_code == 200
    assert (await client.delete(f"{API}/depot-hamburg", headers=h)).status_code == 204

    delete, update, create = await _audit(client, admin)
    assert [create["action"], update["action"], delete["action"]] == ["create", "update", "delete"]
    assert {e["org"] for e in (create, update, delete)} == {"north-site"}
    assert {e["entity_id"] for e in (create, update, delete)} == {"depot-hamburg"}
    assert create["actor"] and create["after"]["grid_limit_kw"] == "400.00"
    assert create["after"]["coordinates"] == {"lat": "53.540000", "lon": "9.980000"}
    assert update["before"]["name"] == "Depot Hamburg" and update["after"]["name"] == "HH"
    assert delete["before"]["key"] == "depot-hamburg" and delete["after"] is None


BAD_CREATES = [
    ({"timezone": "Mars/Olympus_Mons"}, 422, "timezone"),
    ({"timezone": "localtime"}, 422, "timezone"),
    ({"address": {"country": "DE"}}, 422, "address.country"),
    ({"address": {"country": "D1X"}}, 422, "address.country"),
    ({"address": {"street": "x" * 201}}, 422, "body.address.street"),
    ({"coordinates": {"lat": 91, "lon": 0}}, 422, "body.coordinates.lat"),
    ({"coordinates": {"lat": 0, "lon": -180.5}}, 422, "body.coordinates.lon"),
    ({"coordinates": {"lat": 0}}, 422, "body.coordinates.lon"),
    ({"grid_limit_kw": -1}, 422, "body.grid_limit_kw"),
    ({"grid_limit_kw": "1.234"}, 422, "grid_limit_kw"),
    ({"grid_limit_kw": 10**12}, 422, "body.grid_limit_kw"),
    ({"key": "Depot Hamburg"}, 422, "body.key"),
    ({"org": "nowhere"}, 404, "nowhere"),
    ({"org": "other"}, 404, "other"),
    ({"colour": "blue"}, 422, "body.colour"),
    ({"publish": True, "address": None}, 422, "publish"),
    ({"home": {"employee": "nobody"}}, 422, "home.employee"),
    ({"name": ""}, 422, "body.name"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_CREATES)
async def test_bad_create_writes_nothing(
    client: AsyncClient, runtime: Runtime, change: dict[str, Any], status: int, field: str
) -> None:
    await _setup(runtime)
    h = await login(client, "fac@north.example")
    admin = await login(client, "admin@holding.example")
    r = await client.post(API, json={**DEPOT, "key": "new-depot", **change}, headers=h)
    assert_refused(r, status, field)  # an organisation out of reach is as good as absent: named in the detail
    assert await _keys(client, admin) == set()
    assert await _audit(client, admin) == []


async def test_bad_changes_write_nothing(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "fac@north.example")
    admin = await login(client, "admin@holding.example")
    assert (await client.post(API, json=DEPOT, headers=h)).status_code == 201
    url = f"{API}/depot-hamburg"
    before = (await client.get(url, headers=h)).json()

    r = await client.post(API, json={**DEPOT, "name": "Another"}, headers=h)
    assert r.status_code == 409 and "key" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    for body, field in [
        ({"name": "Renamed", "timezone": "Europe/Hamburg"}, "timezone"),
        ({"name": "Renamed", "address": {"country": "germany"}}, "body.address.country"),
        ({"name": "Renamed", "publish": True, "coordinates": None}, "publish"),
        ({"name": "Renamed", "key": "renamed"}, "body.key"),
        ({"name": "Renamed", "coordinates": {"lat": "NaN", "lon": 0}}, "body.coordinates.lat"),
    ]:
        r = await client.patch(url, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field
    assert (await client.get(url, headers=h)).json() == before
    assert [e["action"] for e in await _audit(client, admin)] == ["create"]


async def test_location_with_stations_is_not_deleted(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(runtime)
    h = await login(client, "fac@north.example")
    assert (await client.post(API, json=DEPOT, headers=h)).status_code == 201
    r = await client.post("/api/v1/stations", json={"id": "HH-01", "location": "depot-hamburg"}, headers=h)
    assert r.status_code == 201, r.text
    r = await client.delete(f"{API}/depot-hamburg", headers=h)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"{API}/depot-hamburg", headers=h)).status_code == 200
    assert (await client.delete("/api/v1/stations/HH-01", headers=h)).status_code == 204
    assert (await client.delete(f"{API}/depot-hamburg", headers=h)).status_code == 204
