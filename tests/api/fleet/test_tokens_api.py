"""Tokens over the API: uid normalisation, references across the organisation tree, who sees
which card, filters and pagination, audit, and bad input that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.fleet import cost_centres, employees, vehicles
from depotshare.services.runtime import Runtime
from tests.support.helpers import SYSTEM, login, make_tree, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding", "other": None}
API = "/api/v1/tokens"


async def _fleet(runtime: Runtime) -> None:
    """The tree, a fleet manager per level, and fleet objects at the holding and in north."""
    await make_tree(runtime, TREE)
    await make_user(runtime, "fm@holding.example", (Role.FLEET_MANAGER, "holding"))
    await make_user(runtime, "fm@south.example", (Role.FLEET_MANAGER, "south"))
    await make_user(runtime, "fac@holding.example", (Role.FACILITY_MANAGER, "holding"))
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    await make_user(runtime, "jane@north.example", (Role.DRIVER, "north"))
    await make_user(runtime, "otto@north.example", (Role.DRIVER, "north"))
    async with runtime.uow() as uow:
        await cost_centres.create_cost_centre(uow, SYSTEM, org="holding", code="CC-HQ", name="Holding")
    async with runtime.uow() as uow:
        await cost_centres.create_cost_centre(uow, SYSTEM, org="north", code="CC-100", name="Trucks")
    async with runtime.uow() as uow:
        await cost_centres.create_cost_centre(uow, SYSTEM, org="other", code="CC-100", name="Elsewhere")
    for key, org, user in [
        ("emp-ceo", "holding", None),
        ("emp-jane", "north", "jane@north.example"),
        ("emp-otto", "north", "otto@north.example"),
        ("emp-sam", "south", None),
        ("emp-x", "other", None),
    ]:
        async with runtime.uow() as uow:
            await employees.create_employee(uow, SYSTEM, key=key, org=org, name=key, user=user)
    async with runtime.uow() as uow:
        await vehicles.create_vehicle(uow, SYSTEM, key="truck-17", org="north", plate="HH-AC-17")


async def _create(client: AsyncClient, h: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await client.post(API, json=body, headers=h)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def _all(client: AsyncClient, h: dict[str, str], limit: int = 2, **params: str) -> list[dict[str, Any]]:
    """Every page of a listing, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        r = await client.get(API, params=query, headers=h)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_round_trip_with_normalised_uid(client: AsyncClient, runtime: Runtime) -> None:
    await _fleet(runtime)
    h = await login(client, "fm@holding.example")
    created = await _create(
        client,
        h,
        uid="04:a2:b3:c4",
        org="north",
        employee="emp-jane",
        vehicle="truck-17",
        cost_centre="CC-100",
        group="ACME-FLEET",
        valid_from="2026-01-01",
        label="Jane's card",
    )
    assert created["uid"] == "04A2B3C4"
    assert created == {
        **created,
        "org": "north",
        "type": "RFID",
        "status": "active",
        "employee": "emp-jane",
        "vehicle": "truck-17",
        "cost_centre": "CC-100",
        "group": "ACME-FLEET",
        "valid_from": "2026-01-01",
        "valid_until": None,
    }
    for spelling in ("04:a2:b3:c4", "04a2b3c4", "04-A2-B3-C4", "04A2B3C4"):
        r = await client.get(f"{API}/{spelling}", headers=h)
        assert r.status_code == 200, spelling
        assert r.json() == created
    r = await client.patch(
        f"{API}/04a2b3c4", json={"valid_until": "2026-12-31", "label": None, "vehicle": None}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["valid_until"], r.json()["label"], r.json()["vehicle"]) == ("2026-12-31", None, None)
    assert r.json()["employee"] == "emp-jane"  # untouched fields stay
    r = await client.post(f"{API}/04:A2:B3:C4/block", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "blocked"
    r = await client.post(f"{API}/04A2B3C4/unblock", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert (await client.delete(f"{API}/04:a2:b3:c4", headers=h)).status_code == 204
    assert (await client.get(f"{API}/04A2B3C4", headers=h)).status_code == 404

    admin = await login(client, "admin@holding.example")
    r = await client.get(
        "/api/v1/audit-log", params={"entity": "token", "entity_id": "04A2B3C4"}, headers=admin
    )
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "update", "update", "create"]
    assert all(e["org"] == "north" and e["actor"] == "fm@holding.example" for e in entries)
    assert entries[-1]["after"]["valid_from"] == "2026-01-01"
    assert entries[-2]["before"]["vehicle"] == "truck-17" and entries[-2]["after"]["vehicle"] is None
    assert entries[0]["before"]["uid"] == "04A2B3C4"


async def test_other_kinds_keep_their_case_and_emaid_is_compacted(
    client: AsyncClient, runtime: Runtime
) -> None:
    await _fleet(runtime)
    h = await login(client, "fm@holding.example")
    app = await _create(client, h, uid="app-User-1", org="north", type="APP")
    assert app["uid"] == "app-User-1"
    emaid = await _create(client, h, uid="de-8aa-ca2b3c4d5-l", org="north", type="EMAID")
    assert emaid["uid"] == "DE8AACA2B3C4D5L"
    assert (await client.get(f"{API}/DE-8AA-CA2B3C4D5-L", headers=h)).json()["type"] == "EMAID"
    assert (await client.get(f"{API}/app-User-1", headers=h)).status_code == 200
    assert (await client.get(f"{API}/APP-USER-1", headers=h)).status_code == 404


async def test_holding_objects_serve_subsidiaries_but_not_the_reverse(
    client: AsyncClient, runtime: Runtime
) -> None:
    await _fleet(runtime)
    h = await login(client, "fm@holding.example")
    # A card of north-site may name the holding's employee and cost centre and north's vehicle.
    card = await _create(
        client,
        h,
        uid="0A0B0C0D",
        org="north-site",
        employee="emp-ceo",
        cost_centre="CC-HQ",
        vehicle="truck-17",
    )
    assert (card["employee"], card["cost_centre"], card["vehicle"]) == ("emp-ceo", "CC-HQ", "truck-17")
    # The nearest cost centre wins: north's CC-100, never other's (invisible) CC-100.
    r = await client.patch(f"{API}/0A0B0C0D", json={"cost_centre": "CC-100"}, headers=h)
    assert r.status_code == 200
    # A holding card cannot name north's vehicle; a north card cannot name south's employee.
    r = await client.post(API, json={"uid": "0A0B0C0E", "org": "holding", "vehicle": "truck-17"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vehicle"
    r = await client.post(API, json={"uid": "0A0B0C0E", "org": "north", "employee": "emp-sam"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "employee"
    # Moving the card to south strands its north references unless they change with it.
    r = await client.patch(f"{API}/0A0B0C0D", json={"org": "south"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vehicle"
    r = await client.patch(
        f"{API}/0A0B0C0D", json={"org": "south", "vehicle": None, "cost_centre": "CC-HQ"}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["org"], r.json()["employee"], r.json()["vehicle"]) == ("south", "emp-ceo", None)


async def test_driver_sees_only_its_own_cards_and_cannot_write(client: AsyncClient, runtime: Runtime) -> None:
    await _fleet(runtime)
    fm = await login(client, "fm@holding.example")
    await _create(client, fm, uid="11111111", org="north", employee="emp-jane")
    await _create(client, fm, uid="22222222", org="north", employee="emp-otto")
    await _create(client, fm, uid="33333333", org="north")
    jane = await login(client, "jane@north.example")
    assert [t["uid"] for t in await _all(client, jane)] == ["11111111"]
    assert (await client.get(f"{API}/11:11:11:11", headers=jane)).status_code == 200
    assert (await client.get(f"{API}/22222222", headers=jane)).status_code == 404
    assert (await client.get(f"{API}/33333333", headers=jane)).status_code == 404
    assert (await client.post(f"{API}/11111111/block", headers=jane)).status_code == 403
    assert (await client.patch(f"{API}/11111111", json={"label": "x"}, headers=jane)).status_code == 403
    assert (await client.delete(f"{API}/11111111", headers=jane)).status_code == 403
    assert (await client.delete(f"{API}/22222222", headers=jane)).status_code == 404
    r = await client.post(API, json={"uid": "44444444", "org": "north"}, headers=jane)
    assert r.status_code == 403
    assert [t["status"] for t in await _all(client, fm)] == ["active"] * 3


async def test_reach_follows_the_tree(client: AsyncClient, runtime: Runtime) -> None:
    await _fleet(runtime)
    fm = await login(client, "fm@holding.example")
    await _create(client, fm, uid="AAAAAAAA", org="north-site")
    await _create(client, fm, uid="BBBBBBBB", org="south")
    south = await login(client, "fm@south.example")
    assert [t["uid"] for t in await _all(client, south)] == ["BBBBBBBB"]
    assert (await client.get(f"{API}/AAAAAAAA", headers=south)).status_code == 404
    assert (await client.patch(f"{API}/AAAAAAAA", json={"label": "x"}, headers=south)).status_code == 404
    # Moving its own card into a subtree it cannot see: that organisation does not exist for it.
    r = await client.patch(f"{API}/BBBBBBBB", json={"org": "north"}, headers=south)
    assert r.status_code == 404
    facility = await login(client, "fac@holding.example")
    assert (await client.get(f"{API}/AAAAAAAA", headers=facility)).status_code == 404
    assert (await client.get(API, headers=facility)).json()["items"] == []
    r = await client.post(API, json={"uid": "CCCCCCCC", "org": "north"}, headers=facility)
    assert r.status_code == 403
    assert {t["uid"] for t in await _all(client, fm)} == {"AAAAAAAA", "BBBBBBBB"}


async def test_filters_and_pagination(client: AsyncClient, runtime: Runtime) -> None:
    await _fleet(runtime)
    h = await login(client, "fm@holding.example")
    specs: list[dict[str, Any]] = [
        {"uid": "10000001", "org": "north", "employee": "emp-jane", "group": "G1"},
        {"uid": "10000002", "org": "north", "vehicle": "truck-17", "status": "blocked"},
        {"uid": "10000003", "org": "north-site", "cost_centre": "CC-100", "group": "G1"},
        {"uid": "10000004", "org": "south", "label": "Spare card"},
        {"uid": "10000005", "org": "holding", "cost_centre": "CC-HQ", "status": "blocked"},
        {"uid": "4711", "org": "south", "type": "KEY_CODE"},
        {"uid": "10000007", "org": "north-site", "employee": "emp-ceo"},
    ]
    for spec in specs:
        await _create(client, h, **spec)

    def uids(items: list[dict[str, Any]]) -> list[str]:
        return [t["uid"] for t in items]

    every = uids(await _all(client, h, limit=2))
    assert every == [s["uid"] for s in specs]  # in creation order, each exactly once
    assert uids(await _all(client, h, limit=3, org="north")) == [
        "10000001",
        "10000002",
        "10000003",
        "10000007",
    ]
    assert uids(await _all(client, h, status="blocked")) == ["10000002", "10000005"]
    assert uids(await _all(client, h, type="KEY_CODE")) == ["4711"]
    assert uids(await _all(client, h, group="G1")) == ["10000001", "10000003"]
    assert uids(await _all(client, h, employee="emp-jane")) == ["10000001"]
    assert uids(await _all(client, h, vehicle="truck-17")) == ["10000002"]
    assert uids(await _all(client, h, cost_centre="CC-100")) == ["10000003"]
    assert uids(await _all(client, h, q="spare")) == ["10000004"]
    assert uids(await _all(client, h, q="10:00:00:05")) == ["10000005"]
    assert uids(await _all(client, h, org="north", status="active", group="G1")) == ["10000001", "10000003"]
    r = await client.get(API, params={"status": "lost"}, headers=h)
    assert r.status_code == 422
    r = await client.get(API, params={"org": "other"}, headers=h)
    assert r.status_code == 404
    r = await client.get(API, params={"cursor": "not-a-cursor"}, headers=h)
    assert r.status_code == 422


async def _state(client: AsyncClient, h: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    tokens = await _all(client, h, limit=100)
    audit = await client.get("/api/v1/audit-log", params={"limit": "500"}, headers=h)
    return tokens, len(audit.json()["items"])


BAD_CREATES: list[tuple[dict[str, Any], int, str]] = [
    ({"uid": "04A2B3C4", "org": "north", "colour": "red"}, 422, "body.colour"),
    ({"uid": "not-hex!", "org": "north"}, 422, "uid"),
    ({"uid": "04A2B3", "org": "north"}, 422, "uid"),
    ({"uid": "12ab", "org": "north", "type": "KEY_CODE"}, 422, "uid"),
    ({"uid": "04A2B3C4", "org": "north", "type": "CARD"}, 422, "body.type"),
    ({"uid": "04A2B3C4", "org": "north", "group": "G" * 21}, 422, "group"),
    ({"uid": "04A2B3C4", "org": "north", "group": "has space"}, 422, "group"),
    (
        {"uid": "04A2B3C4", "org": "north", "valid_from": "2026-06-01", "valid_until": "2026-05-31"},
        422,
        "valid_until",
    ),
    ({"uid": "04A2B3C4", "org": "north", "valid_from": "yesterday"}, 422, "body.valid_from"),
    ({"uid": "04A2B3C4", "org": "nowhere"}, 404, "organisation"),
    ({"uid": "04A2B3C4", "org": "other"}, 404, "organisation"),
    ({"uid": "04A2B3C4", "org": "north", "employee": "emp-nobody"}, 422, "employee"),
    ({"uid": "04A2B3C4", "org": "north", "employee": "emp-x"}, 422, "employee"),
    ({"uid": "04A2B3C4", "org": "north", "vehicle": "truck-99"}, 422, "vehicle"),
    ({"uid": "04A2B3C4", "org": "north", "cost_centre": "CC-404"}, 422, "cost_centre"),
    ({"uid": "04A2B3C4", "org": "south", "cost_centre": "CC-100"}, 422, "cost_centre"),
    ({"uid": "00:00:00:01", "org": "north"}, 409, "uid"),
    ({"uid": "04A2B3C4", "org": "north", "status": None}, 422, "body.status"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_CREATES)
async def test_bad_create_writes_nothing(
    client: AsyncClient, runtime: Runtime, body: dict[str, Any], status: int, field: str
) -> None:
    await _fleet(runtime)
    h = await login(client, "admin@holding.example")
    await _create(client, h, uid="00000001", org="north")
    before = await _state(client, h)
    r = await client.post(API, json=body, headers=h)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    if status == 422:
        assert problem["errors"][0]["field"] == field
    assert field.removeprefix("body.") in problem["detail"]
    assert await _state(client, h) == before


BAD_UPDATES: list[tuple[dict[str, Any], int, str]] = [
    ({"status": None}, 422, "body.status"),
    ({"org": None}, 422, "body.org"),
    ({"uid": "05050505"}, 422, "body.uid"),
    ({"type": "KEY_CODE"}, 422, "type"),
    ({"valid_until": "2025-12-31"}, 422, "valid_until"),
    ({"group": ""}, 422, "group"),
    ({"label": "x" * 101}, 422, "body.label"),
    ({"employee": "emp-x"}, 422, "employee"),
    ({"org": "south"}, 422, "employee"),
    ({"org": "other"}, 404, "organisation"),
    ({"label": "changed", "cost_centre": "CC-HQ", "vehicle": "truck-404"}, 422, "vehicle"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_UPDATES)
async def test_bad_update_writes_nothing(
    client: AsyncClient, runtime: Runtime, body: dict[str, Any], status: int, field: str
) -> None:
    await _fleet(runtime)
    h = await login(client, "admin@holding.example")
    await _create(client, h, uid="0A0A0A0A", org="north", employee="emp-jane", valid_from="2026-01-01")
    before = await _state(client, h)
    r = await client.patch(f"{API}/0a:0a:0a:0a", json=body, headers=h)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if status == 422:
        assert r.json()["errors"][0]["field"] == field
    assert field.removeprefix("body.") in r.json()["detail"]
    assert await _state(client, h) == before


async def test_deleting_a_referenced_employee_detaches_its_cards(
    client: AsyncClient, runtime: Runtime
) -> None:
    await _fleet(runtime)
    h = await login(client, "admin@holding.example")
    await _create(client, h, uid="00000001", org="north", employee="emp-jane", cost_centre="CC-100")
    assert (await client.delete("/api/v1/employees/emp-jane", headers=h)).status_code == 204
    card = (await client.get(f"{API}/00000001", headers=h)).json()
    assert (card["employee"], card["cost_centre"]) == (None, "CC-100")
    r = await client.get(
        "/api/v1/audit-log", params={"entity": "employee", "entity_id": "emp-jane"}, headers=h
    )
    deleted = r.json()["items"][0]
    assert deleted["action"] == "delete" and deleted["before"]["referenced_by"] == {"tokens": 1}
