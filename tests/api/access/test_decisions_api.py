"""/access-decisions: the decision log over the API and as CSV. The host side sees every decision
at its locations, a partner only those about its own tokens, a driver its own cards'; filters,
newest-first keyset pages, the CSV export with the same filters, and the operator's question
from docs/api.md answered in one query. The world is built once for the module's tests that only
read it (each login made once); a test that adds decisions takes a database of its own."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.conftest import ModuleWorld
from tests.support.partner_world import API, SUNDAY_0210, TUESDAY_0210, World, build, decide

CSV_HEADER = [
    "at",
    "location",
    "station",
    "evse",
    "id_token",
    "token_org",
    "partner_org",
    "grant",
    "decision",
    "reason",
    "source",
    "hash",
]


@pytest.fixture
async def world(client: AsyncClient, runtime: Runtime, module_world: ModuleWorld) -> World:
    shared = await module_world("partners", lambda: build(client, runtime))
    return replace(shared, client=client)  # the world's logins, this test's client


async def _all(w: World, who: str, **params: Any) -> list[dict[str, Any]]:
    r = await w.get("access-decisions", who, limit=500, **params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _seen(items: list[dict[str, Any]]) -> list[tuple[str | None, str | None, str]]:
    return sorted((d["station"], d["id_token"], d["decision"]) for d in items)


async def test_each_side_sees_its_own_decisions(world: World) -> None:
    w = world
    depot = [
        ("HH-01", "A0000001", "Accepted"),
        ("HH-01", "A0000001", "NotAtThisTime"),
        ("HH-01", "B0000001", "NotAtThisLocation"),
        ("HH-01", "C0FFEE01", "Accepted"),
        ("HH-01", "DEADBEEF", "Unknown"),
        ("HH-02", "B0000001", "Accepted"),
    ]
    for who in ("host-admin", "host-fm"):
        assert _seen(await _all(w, who)) == depot
    assert _seen(await _all(w, "ops")) == sorted([*depot, ("B-01", "B0000001", "Accepted")])
    # A partner: its own tokens only, wherever they were decided; never the host's fleet, never
    # a third party's token, never the other partner's.
    mine_a = [("HH-01", "A0000001", "Accepted"), ("HH-01", "A0000001", "NotAtThisTime")]
    for who in ("a-admin", "a-fleet", "a-driver"):
        assert _seen(await _all(w, who)) == mine_a, who
    assert _seen(await _all(w, "b-admin")) == [
        ("B-01", "B0000001", "Accepted"),
        ("HH-01", "B0000001", "NotAtThisLocation"),
        ("HH-02", "B0000001", "Accepted"),
    ]
    # The host's fleet manager is on the fleet side of the host's own cards only.
    assert _seen(await _all(w, "host-fleet")) == [("HH-01", "C0FFEE01", "Accepted")]
    assert await _all(w, "a-sub-admin") == []
    # One decision by id: 404 outside the caller's reach.
    host_only = next(d for d in await _all(w, "host-admin") if d["id_token"] == "C0FFEE01")
    assert (await w.get(f"access-decisions/{host_only['id']}", "host-fm")).status_code == 200
    for who in ("a-admin", "b-admin", "a-driver"):
        assert (await w.get(f"access-decisions/{host_only['id']}", who)).status_code == 404


async def test_decision_rows_name_the_grant_partner_and_reason(world: World) -> None:
    w = world
    rows = {(d["id_token"], d["decision"]): d for d in await _all(w, "host-admin")}
    accepted = rows[("A0000001", "Accepted")]
    assert accepted | {"id": 0, "hash": "", "prev_hash": "", "reason": ""} == {
        "id": 0,
        "at": "2026-03-10T01:10:00Z",
        "location": "depot-hamburg",
        "station": "HH-01",
        "evse_id": 1,
        "id_token": "A0000001",
        "token_org": "partner-a",
        "partner_org": "partner-a",
        "grant": "a-nights",
        "decision": "Accepted",
        "accepted": True,
        "reason": "",
        "source": "Authorize",
        "hash": "",
        "prev_hash": "",
    }
    assert len(accepted["hash"]) == 64
    assert rows[("C0FFEE01", "Accepted")]["grant"] == "internal"
    assert (
        rows[("DEADBEEF", "Unknown")]["token_org"] is None and rows[("DEADBEEF", "Unknown")]["grant"] is None
    )
    assert rows[("A0000001", "NotAtThisTime")]["reason"]


async def test_why_could_this_driver_not_charge_at_0210(client: AsyncClient, world: World) -> None:
    """The example of docs/api.md, verbatim."""
    w = world
    url = (
        "/api/v1/access-decisions?location=depot-hamburg&token=A0000001"
        "&from=2026-03-08T02:00:00%2B01:00&to=2026-03-08T02:20:00%2B01:00"
    )
    for who in ("host-admin", "a-admin"):
        r = await client.get(url, headers=w.headers[who])
        assert r.status_code == 200, r.text
        [row] = r.json()["items"]
        assert (row["at"], row["station"], row["decision"], row["grant"]) == (
            "2026-03-08T01:10:00Z",
            "HH-01",
            "NotAtThisTime",
            "a-nights",
        )
        assert "a-nights" in row["reason"] or "window" in row["reason"] or "time" in row["reason"], row[
            "reason"
        ]


async def test_filters(world: World) -> None:
    w = world
    assert {d["decision"] for d in await _all(w, "host-admin", result="accepted")} == {"Accepted"}
    refused = await _all(w, "host-admin", result="refused")
    assert {d["decision"] for d in refused} == {"NotAtThisTime", "NotAtThisLocation", "Unknown"}
    assert _seen(await _all(w, "host-admin", result="notatthislocation")) == [
        ("HH-01", "B0000001", "NotAtThisLocation")
    ]
    assert _seen(await _all(w, "host-admin", station="HH-02")) == [("HH-02", "B0000001", "Accepted")]
    assert {d["id_token"] for d in await _all(w, "host-admin", partner="partner-a")} == {"A0000001"}
    assert {d["id_token"] for d in await _all(w, "host-admin", token="a0:00:00:01")} == {"A0000001"}
    assert len(await _all(w, "host-admin", source="Authorize")) == 6
    assert await _all(w, "host-admin", source="Start") == []
    assert {d["id_token"] for d in await _all(w, "ops", org="partner-b")} == {"B0000001"}
    assert len(await _all(w, "host-admin", **{"from": "2026-03-09"})) == 5
    assert len(await _all(w, "host-admin", to="2026-03-08")) == 1  # a date includes that day
    assert len(await _all(w, "host-admin", to="2026-03-08T01:10:00Z")) == 0  # a date-time excludes
    # Filters by another partner's keys find nothing; an organisation out of sight is 404.
    assert await _all(w, "a-admin", partner="partner-b") == []
    assert await _all(w, "a-admin", token="B0000001") == []
    assert await _all(w, "a-admin", location="b-yard") == []
    assert (await w.get("access-decisions", "a-admin", org="partner-b")).status_code == 404
    assert (await w.get("access-decisions", "a-admin", org="host")).status_code == 404
    for params, field in (
        ({"result": "maybe"}, "result"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-03-08T02:00:00"}, "to"),
        ({"cursor": "x"}, "cursor"),
    ):
        r = await w.get("access-decisions", "host-admin", **params)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field
    r = await w.get("access-decisions", "host-admin", source="Nope")
    assert r.status_code == 422


async def test_pages_are_newest_first(world: World) -> None:
    w = world
    everything = await _all(w, "host-admin")
    keys = [(d["at"], d["id"]) for d in everything]
    assert keys == sorted(keys, reverse=True)
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await w.get("access-decisions", "host-admin", **params)).json()
        pages += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [d["id"] for d in pages] == [d["id"] for d in everything]


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_csv_export_with_the_same_filters(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld
) -> None:
    await module_world.own_database()  # it adds a decision
    w = await build(client, runtime)
    await decide(runtime, "HH-01", "=HYPERLINK(1)", SUNDAY_0210)
    for who in ("host-admin", "a-admin", "b-admin"):
        r = await w.get("access-decisions", who, format="csv")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        rows = _csv(r.text)
        assert rows[0] == CSV_HEADER
        listed = await _all(w, who)
        assert [row[-1] for row in rows[1:]] == [d["hash"] for d in listed], who
    a_rows = _csv((await w.get("access-decisions", "a-admin", format="csv")).text)[1:]
    assert {row[4] for row in a_rows} == {"A0000001"}
    # Accept: text/csv does the same, with every filter.
    r = await client.get(
        f"{API}/access-decisions",
        params={"location": "depot-hamburg", "result": "refused", "from": "2026-03-10"},
        headers={**w.headers["host-admin"], "Accept": "text/csv"},
    )
    rows = _csv(r.text)
    assert sorted((row[2], row[4], row[8]) for row in rows[1:]) == [
        ("HH-01", "B0000001", "NotAtThisLocation"),
        ("HH-01", "DEADBEEF", "Unknown"),
    ]
    assert rows[1][0].endswith("Z") and rows[1][1] == "depot-hamburg"
    # A cell a spreadsheet would run as a formula is quoted.
    sunday = _csv((await w.get("access-decisions", "host-admin", format="csv", to="2026-03-08")).text)
    assert "'=HYPERLINK(1)" in {row[4] for row in sunday[1:]}
    # A bad filter is a problem before anything streams.
    r = await w.get("access-decisions", "host-admin", format="csv", result="maybe")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = await w.get("access-decisions", "a-admin", format="csv", org="host")
    assert r.status_code == 404


async def test_a_large_export_streams_in_batches(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld
) -> None:
    await module_world.own_database()  # a world without the usual decisions, and it adds some
    w = await build(client, runtime, decisions=False)
    from depotshare.services.access import decisions as access_decisions

    old, access_decisions.EXPORT_BATCH = access_decisions.EXPORT_BATCH, 3
    try:
        for _ in range(7):
            await decide(runtime, "HH-01", "A0000001", TUESDAY_0210)
        rows = _csv((await w.get("access-decisions", "a-admin", format="csv")).text)
    finally:
        access_decisions.EXPORT_BATCH = old
    assert len(rows) == 8 and len({row[-1] for row in rows[1:]}) == 7
