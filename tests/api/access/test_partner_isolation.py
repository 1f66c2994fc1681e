"""Partner self-service isolation (issue 4): a host depot with two partners and an internal fleet.
Logged in as partner A's org_admin, every route family answers only partner A's own data: lists
hold nothing of partner B or of the host, their objects answer 404 by key, filters by their
organisation keys answer 404 or nothing, the CSV export holds nothing of theirs; and partner A
manages its own tokens and drivers. The world is built once for the module's tests that read it
(each login made once); a test that makes its own objects there uses keys no other test uses; the
tests in which partner A changes its own data take a database of their own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.api.access.test_decisions_api import _csv
from tests.conftest import ModuleWorld
from tests.support.partner_world import API, World, build, email

ME = "a-admin"
MY_ORGS = {"partner-a", "partner-a-sub"}
OTHER_ORGS = ("host", "host-fleet", "partner-b")


@dataclass(frozen=True)
class Family:
    collection: str
    key: str  # the field naming an item in its URL
    org_filter: str | None = "org"  # the list's organisation filter


FAMILIES = {
    "tokens": Family("tokens", "uid"),
    "employees": Family("employees", "key"),
    "vehicles": Family("vehicles", "key"),
    "cost_centres": Family("cost-centres", "id"),
    "locations": Family("locations", "key"),
    "stations": Family("stations", "id"),
    "users": Family("users", "id"),
    "organisations": Family("organisations", "key", org_filter="within"),
    "sessions": Family("sessions", "id"),
    "partnerships": Family("partnerships", "ref"),
    "access_decisions": Family("access-decisions", "id"),
}


async def _listed(w: World, collection: str, **params: Any) -> list[dict[str, Any]]:
    r = await w.get(collection, ME, limit=500, **params)
    assert r.status_code == 200, (collection, r.text)
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _others(w: World, family: str) -> list[str]:
    """Every item of the family that is not partner A's, as the platform admin lists them."""
    fam = FAMILIES[family]
    r = await w.get(fam.collection, "ops", limit=500)
    assert r.status_code == 200, r.text
    mine = {str(i[fam.key]) for i in await _listed(w, fam.collection)}
    others = [str(i[fam.key]) for i in r.json()["items"] if str(i[fam.key]) not in mine]
    return others


@pytest.fixture
async def world(client: AsyncClient, runtime: Runtime, module_world: ModuleWorld) -> World:
    shared = await module_world("partners", lambda: build(client, runtime))
    return replace(shared, client=client)  # the world's logins, this test's client


@pytest.fixture
async def own_world(client: AsyncClient, runtime: Runtime, module_world: ModuleWorld) -> World:
    await module_world.own_database()
    return await build(client, runtime)


@pytest.mark.parametrize("family", list(FAMILIES))
async def test_partner_sees_only_its_own(world: World, family: str) -> None:
    w, fam = world, FAMILIES[family]
    listed = await _listed(w, fam.collection)
    others = await _others(w, family)
    assert others, f"the world holds no {family} of others: the test would prove nothing"
    listed_keys = {str(i[fam.key]) for i in listed}
    assert not listed_keys & set(others)
    for key in others:
        r = await w.get(f"{fam.collection}/{key}", ME)
        assert r.status_code == 404, (family, key, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    if fam.org_filter is not None:
        for org in OTHER_ORGS:
            r = await w.get(fam.collection, ME, **{fam.org_filter: org})
            assert r.status_code == 404 or (r.status_code == 200 and r.json()["items"] == []), (
                family,
                org,
                r.text,
            )


async def test_what_partner_a_sees_is_exactly_its_own(world: World) -> None:
    w = world
    keys = {family: {str(i[f.key]) for i in await _listed(w, f.collection)} for family, f in FAMILIES.items()}
    assert keys["tokens"] == {"A0000001", "A0000002"}
    assert keys["employees"] == {"emp-a", "emp-a-me"}
    assert keys["vehicles"] == {"veh-a"}
    assert keys["cost_centres"] == {str(w.cost_centres["a"])}
    assert keys["locations"] == set() and keys["stations"] == set()
    assert keys["organisations"] == MY_ORGS
    assert keys["sessions"] == {str(w.sessions["a"])}
    assert keys["partnerships"] == {"host-a"}
    assert {u["email"] for u in await _listed(w, "users")} == {email(n) for n in ("a-admin", "a-fleet", "a-sub-admin", "a-driver")}  # fmt: skip
    decisions = await _listed(w, "access-decisions")
    assert {d["id_token"] for d in decisions} == {"A0000001"} and len(decisions) == 2


async def test_sessions_show_no_host_or_partner_b_attribution(world: World) -> None:
    w = world
    [mine] = await _listed(w, "sessions")
    assert (mine["token_org"], mine["employee"], mine["vehicle"]) == ("partner-a", "emp-a-me", "veh-a")
    for key in ("host", "b", "b-yard"):
        assert (await w.get(f"sessions/{w.sessions[key]}", ME)).status_code == 404
        assert (await w.get(f"sessions/{w.sessions[key]}/meter-values", ME)).status_code == 404
    for params in (
        {"location": "b-yard"},
        {"station": "HH-02"},
        {"token": "B0000001"},
        {"token": "C0FFEE01"},
    ):
        assert await _listed(w, "sessions", **params) == [], params


async def test_grants_of_other_partners_are_invisible(world: World) -> None:
    w = world
    assert (await w.get("partnerships/host-b/grants", ME)).status_code == 404
    assert (await w.get("partnerships/host-b/grants/b-hh02", ME)).status_code == 404
    assert (await w.get("partnerships/host:partner-b/grants", ME)).status_code == 404
    grants = (await w.get("partnerships/host-a/grants", ME)).json()["items"]
    assert [g["ref"] for g in grants] == ["a-nights"]
    assert (await w.get("partnerships", ME, partner="partner-b")).json()["items"] == []
    assert (await w.get("partnerships", ME, host="host")).json()["items"][0]["revenue_share"] is None


async def test_the_hosts_internal_grants_are_invisible(world: World) -> None:
    """The host shapes its own fleet at Depot Hamburg; partner A's admin learns nothing of it: not
    in the list (filtered or not), not by HOST:KEY or id, not through a partnership, not in the
    audit log, and it cannot change or delete it."""
    w = world
    grant = await w.post(
        "internal-grants",
        {
            "host": "host",
            "subject": "host-fleet",
            "key": "fleet-days",
            "locations": ["depot-hamburg"],
            "hours": "06:00-20:00",
        },
        who="host-fm",
    )
    assert (await w.get("internal-grants", "host-admin")).json()["items"][0]["ref"] == "host:fleet-days"
    assert await _listed(w, "internal-grants") == []
    assert await _listed(w, "internal-grants", location="depot-hamburg") == []
    for org in OTHER_ORGS:
        r = await w.get("internal-grants", ME, org=org)
        assert r.status_code == 404 or (r.status_code == 200 and r.json()["items"] == []), (org, r.text)
    c, h = w.client, w.headers[ME]
    for ref in ("host:fleet-days", str(grant["id"])):
        r = await w.get(f"internal-grants/{ref}", ME)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
        assert (
            await c.patch(f"{API}/internal-grants/{ref}", json={"priority": 9}, headers=h)
        ).status_code == 404
        assert (await c.delete(f"{API}/internal-grants/{ref}", headers=h)).status_code == 404
    assert (await w.get(f"partnerships/host-a/grants/{grant['id']}", ME)).status_code == 404
    assert (await w.get("audit-log", ME, entity="internal_grant")).json()["items"] == []
    # Nor may it make one for the host, or for its own company over the host's depot.
    for body in (
        {"host": "host", "locations": ["depot-hamburg"]},
        {"host": "partner-a", "locations": ["depot-hamburg"]},
    ):
        r = await c.post(f"{API}/internal-grants", json=body, headers=h)
        assert r.status_code in (404, 422), r.text
    assert (await w.get("internal-grants/host:fleet-days", "host-fm")).json()["priority"] == 2


async def test_decision_export_holds_only_partner_a(world: World) -> None:
    w = world
    rows = _csv((await w.get("access-decisions", ME, format="csv")).text)
    assert len(rows) == 3 and {r[4] for r in rows[1:]} == {"A0000001"}
    assert {r[5] for r in rows[1:]} == {"partner-a"}
    for params in (
        {"location": "b-yard"},
        {"partner": "partner-b"},
        {"token": "C0FFEE01"},
        {"token": "DEADBEEF"},
    ):
        assert len(_csv((await w.get("access-decisions", ME, format="csv", **params)).text)) == 1, params
    assert (await w.get("access-decisions", ME, format="csv", org="partner-b")).status_code == 404


async def test_audit_log_holds_nothing_of_others(own_world: World) -> None:
    w = own_world
    await _manage_own(w)  # partner A writes something of its own
    entries = await _listed(w, "audit-log")
    assert entries, "partner A's own writes are in its audit log"
    assert {e["org"] for e in entries} <= MY_ORGS
    for entity in ("partnership", "grant", "token", "location", "station"):
        assert all(e["org"] in MY_ORGS for e in await _listed(w, "audit-log", entity=entity))
    for org in OTHER_ORGS:
        assert (await w.get("audit-log", ME, org=org)).status_code == 404


async def _manage_own(w: World) -> None:
    """Partner A's admin issues, changes, blocks and withdraws its own cards and drivers."""
    c, h = w.client, w.headers[ME]
    r = await c.post(
        f"{API}/employees", json={"key": "emp-a-new", "org": "partner-a-sub", "name": "New"}, headers=h
    )
    assert r.status_code == 201, r.text
    r = await c.patch(f"{API}/employees/emp-a-new", json={"name": "New Driver"}, headers=h)
    assert r.status_code == 200, r.text
    r = await c.post(
        f"{API}/users",
        json={
            "email": "new-driver@example.com",
            "name": "New",
            "password": "long-enough-pw",
            "roles": [{"role": "driver", "org": "partner-a-sub"}],
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = await c.patch(f"{API}/employees/emp-a-new", json={"user": "new-driver@example.com"}, headers=h)
    assert r.status_code == 200, r.text
    r = await c.post(
        f"{API}/tokens",
        json={"uid": "a1:b2:c3:d4", "org": "partner-a-sub", "employee": "emp-a-new", "group": "A-POOL"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert (await c.post(f"{API}/tokens/A1B2C3D4/block", headers=h)).json()["status"] == "blocked"
    assert (await c.patch(f"{API}/tokens/A0000001", json={"label": "Truck 7"}, headers=h)).status_code == 200


async def test_partner_manages_its_own_tokens_and_drivers_only(own_world: World) -> None:
    w = own_world
    await _manage_own(w)
    c, h = w.client, w.headers[ME]
    assert (await c.delete(f"{API}/tokens/A1B2C3D4", headers=h)).status_code == 204
    # Nothing of the others: their objects do not exist for partner A; their organisations neither.
    for org in OTHER_ORGS:
        r = await c.post(f"{API}/tokens", json={"uid": "0BADF00D", "org": org}, headers=h)
        assert r.status_code == 404, r.text
        r = await c.post(f"{API}/employees", json={"key": "emp-x", "org": org, "name": "X"}, headers=h)
        assert r.status_code == 404, r.text
    for path, body in (
        ("tokens/B0000001", {"label": "x"}),
        ("tokens/C0FFEE01", {"status": "blocked"}),
        ("employees/emp-b", {"name": "x"}),
        ("employees/emp-host", {"name": "x"}),
        ("vehicles/veh-b", {"plate": "X"}),
        ("locations/depot-hamburg", {"name": "x"}),
        ("stations/HH-01", {"vendor": "x"}),
    ):
        assert (await c.patch(f"{API}/{path}", json=body, headers=h)).status_code == 404, path
    # A card of its own may not be tied to the other partner's driver, nor moved to the host.
    r = await c.patch(f"{API}/tokens/A0000001", json={"employee": "emp-b"}, headers=h)
    assert r.status_code in (404, 422), r.text
    r = await c.patch(f"{API}/tokens/A0000001", json={"org": "host-fleet"}, headers=h)
    assert r.status_code == 404, r.text
    # Partner B's token is untouched and still its own.
    b_token = (await w.get("tokens/B0000001", "b-admin")).json()
    assert (b_token["org"], b_token["label"], b_token["status"]) == ("partner-b", None, "active")
