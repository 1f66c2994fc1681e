"""Tokens over the API: uid normalisation, references across the organisation tree, who sees
which card, filters and pagination, audit (bad input: test_bad_input_api.py)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.api.fleet.fleet_world import create, every_page, tokens_world
from tests.support.helpers import login

API = "/api/v1/tokens"


async def test_round_trip_with_normalised_uid(client: AsyncClient, runtime: Runtime) -> None:
    await tokens_world(runtime)
    h = await login(client, "fm@holding.example")
    created = await create(
        client,
        API,
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
    await tokens_world(runtime)
    h = await login(client, "fm@holding.example")
    app = await create(client, API, h, uid="app-User-1", org="north", type="APP")
    assert app["uid"] == "app-User-1"
    emaid = await create(client, API, h, uid="de-8aa-ca2b3c4d5-l", org="north", type="EMAID")
    assert emaid["uid"] == "DE8AACA2B3C4D5L"
    assert (await client.get(f"{API}/DE-8AA-CA2B3C4D5-L", headers=h)).json()["type"] == "EMAID"
    assert (await client.get(f"{API}/app-User-1", headers=h)).status_code == 200
    assert (await client.get(f"{API}/APP-USER-1", headers=h)).status_code == 404


async def test_holding_objects_serve_subsidiaries_but_not_the_reverse(
    client: AsyncClient, runtime: Runtime
) -> None:
    await tokens_world(runtime)
    h = await login(client, "fm@holding.example")
    # A card of north-site may name the holding's employee and cost centre and north's vehicle.
    card = await create(
        client,
        API,
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
    await tokens_world(runtime)
    fm = await login(client, "fm@holding.example")
    await create(client, API, fm, uid="11111111", org="north", employee="emp-jane")
    await create(client, API, fm, uid="22222222", org="north", employee="emp-otto")
    await create(client, API, fm, uid="33333333", org="north")
    jane = await login(client, "jane@north.example")
    assert [t["uid"] for t in await every_page(client, API, jane)] == ["11111111"]
    assert (await client.get(f"{API}/11:11:11:11", headers=jane)).status_code == 200
    assert (await client.get(f"{API}/22222222", headers=jane)).status_code == 404
    assert (await client.get(f"{API}/33333333", headers=jane)).status_code == 404
    assert (await client.post(f"{API}/11111111/block", headers=jane)).status_code == 403
    assert (await client.patch(f"{API}/11111111", json={"label": "x"}, headers=jane)).status_code == 403
    assert (await client.delete(f"{API}/11111111", headers=jane)).status_code == 403
    assert (await client.delete(f"{API}/22222222", headers=jane)).status_code == 404
    r = await client.post(API, json={"uid": "44444444", "org": "north"}, headers=jane)
    assert r.status_code == 403
    assert [t["status"] for t in await every_page(client, API, fm)] == ["active"] * 3


async def test_reach_follows_the_tree(client: AsyncClient, runtime: Runtime) -> None:
    await tokens_world(runtime)
    fm = await login(client, "fm@holding.example")
    await create(client, API, fm, uid="AAAAAAAA", org="north-site")
    await create(client, API, fm, uid="BBBBBBBB", org="south")
    south = await login(client, "fm@south.example")
    assert [t["uid"] for t in await every_page(client, API, south)] == ["BBBBBBBB"]
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
    assert {t["uid"] for t in await every_page(client, API, fm)} == {"AAAAAAAA", "BBBBBBBB"}


async def test_filters_and_pagination(client: AsyncClient, runtime: Runtime) -> None:
    await tokens_world(runtime)
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
        await create(client, API, h, **spec)

    def uids(items: list[dict[str, Any]]) -> list[str]:
        return [t["uid"] for t in items]

    every = uids(await every_page(client, API, h, limit=2))
    assert every == [s["uid"] for s in specs]  # in creation order, each exactly once
    assert uids(await every_page(client, API, h, limit=3, org="north")) == [
        "10000001",
        "10000002",
        "10000003",
        "10000007",
    ]
    assert uids(await every_page(client, API, h, status="blocked")) == ["10000002", "10000005"]
    assert uids(await every_page(client, API, h, type="KEY_CODE")) == ["4711"]
    assert uids(await every_page(client, API, h, group="G1")) == ["10000001", "10000003"]
    assert uids(await every_page(client, API, h, employee="emp-jane")) == ["10000001"]
    assert uids(await every_page(client, API, h, vehicle="truck-17")) == ["10000002"]
    assert uids(await every_page(client, API, h, cost_centre="CC-100")) == ["10000003"]
    assert uids(await every_page(client, API, h, q="spare")) == ["10000004"]
    assert uids(await every_page(client, API, h, q="10:00:00:05")) == ["10000005"]
    assert uids(await every_page(client, API, h, org="north", status="active", group="G1")) == [
        "10000001",
        "10000003",
    ]
    r = await client.get(API, params={"status": "lost"}, headers=h)
    assert r.status_code == 422
    r = await client.get(API, params={"org": "other"}, headers=h)
    assert r.status_code == 404
    r = await client.get(API, params={"cursor": "not-a-cursor"}, headers=h)
    assert r.status_code == 422


async def test_deleting_a_referenced_employee_detaches_its_cards(
    client: AsyncClient, runtime: Runtime
) -> None:
    await tokens_world(runtime)
    h = await login(client, "admin@holding.example")
    await create(client, API, h, uid="00000001", org="north", employee="emp-jane", cost_centre="CC-100")
    assert (await client.delete("/api/v1/employees/emp-jane", headers=h)).status_code == 204
    card = (await client.get(f"{API}/00000001", headers=h)).json()
    assert (card["employee"], card["cost_centre"]) == (None, "CC-100")
    r = await client.get(
        "/api/v1/audit-log", params={"entity": "employee", "entity_id": "emp-jane"}, headers=h
    )
    deleted = r.json()["items"][0]
    assert deleted["action"] == "delete" and deleted["before"]["referenced_by"] == {"tokens": 1}
