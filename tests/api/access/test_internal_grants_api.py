"""/internal-grants: a host restricts or shapes its own fleet at its own places. The host side
writes (org_admin, facility_manager) with the rules of partnership grants plus a subject inside
the host; partners never see them; every write is audited and marks the local lists; and an
explicit internal grant switches the implicit one off at its location only (end to end through
services.authorization.authorize_request)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.support.local_lists import list_changes, watch_lists
from tests.support.partner_world import API, TUESDAY_0210, World, build, decide

# Tuesday 2026-03-10 12:00 in Hamburg (CET): outside the night shift's 20:00-06:00.
TUESDAY_NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
NIGHTS = {
    "host": "host",
    "subject": "host-night",
    "key": "night-shift",
    "locations": ["depot-hamburg"],
    "hours": "20:00-06:00",
    "priority": 1,
}


async def _world(client: AsyncClient, runtime: Runtime) -> World:
    """The partner world plus the host's night shift (a sub-organisation of its fleet, one card)
    and a second depot of the host, Bremen."""
    w = await build(client, runtime, decisions=False)
    await w.post("organisations", {"key": "host-night", "name": "Night shift", "parent": "host-fleet"})
    await w.post("tokens", {"uid": "0E000001", "org": "host-night"})
    await w.post(
        "locations", {"key": "depot-bremen", "org": "host", "name": "Bremen", "timezone": "Europe/Berlin"}
    )
    evse = [{"id": 1, "connectors": [{"id": 1, "standard": "IEC_62196_T2_COMBO", "max_kw": 150}]}]
    await w.post("stations", {"id": "HB-01", "location": "depot-bremen", "evses": evse})
    return w


async def test_host_creates_reads_changes_and_deletes_an_internal_grant(
    client: AsyncClient, runtime: Runtime
) -> None:
    w = await _world(client, runtime)
    created = await w.post("internal-grants", NIGHTS, who="host-fm")
    assert created | {"id": 0, "created_at": None, "updated_at": None} == {
        "ref": "host:night-shift",
        "id": 0,
        "key": "night-shift",
        "host": "host",
        "subject": "host-night",
        "group": None,
        "locations": ["depot-hamburg"],
        "stations": None,
        "evses": None,
        "windows": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": "20:00-06:00"}],
        "valid_from": None,
        "valid_until": None,
        "priority": 1,
        "max_concurrent": None,
        "max_power_kw": None,
        "connector_standards": None,
        "status": "active",
        "created_at": None,
        "updated_at": None,
    }
    for who in ("host-admin", "host-fm", "ops"):
        assert (await w.get("internal-grants/host:night-shift", who)).json()["id"] == created["id"]
        assert (await w.get(f"internal-grants/{created['id']}", who)).json()["ref"] == "host:night-shift"
    listed = (await w.get("internal-grants", "host-fm", location="depot-hamburg")).json()["items"]
    assert [g["ref"] for g in listed] == ["host:night-shift"]
    assert (await w.get("internal-grants", "host-fm", location="depot-bremen")).json()["items"] == []
    assert [
        g["ref"] for g in (await w.get("internal-grants", "host-fm", org="host-night")).json()["items"]
    ] == ["host:night-shift"]
    assert (await w.get("internal-grants", "host-fm", status="suspended")).json()["items"] == []
    # A keyless one is addressed by id; the whole fleet is subject null.
    anyone = await w.post("internal-grants", {"host": "host", "stations": ["HH-02"]}, who="host-admin")
    assert (anyone["ref"], anyone["subject"]) == (str(anyone["id"]), None)

    h = w.headers["host-fm"]
    r = await client.patch(
        f"{API}/internal-grants/host:night-shift",
        json={"stations": ["HH-01"], "days": ["mon"], "hours": "20:00-06:00"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["stations"], r.json()["locations"], r.json()["windows"]) == (
        ["HH-01"],
        None,
        [{"days": ["mon"], "hours": "20:00-06:00"}],
    )
    r = await client.patch(f"{API}/internal-grants/host:night-shift", json={"subject": None}, headers=h)
    assert r.status_code == 200 and r.json()["subject"] is None, r.text
    assert (await client.delete(f"{API}/internal-grants/host:night-shift", headers=h)).status_code == 204
    assert (await w.get("internal-grants/host:night-shift", "host-fm")).status_code == 404

    entries = (await w.get("audit-log", "host-admin", entity="internal_grant", limit=500)).json()["items"]
    mine = [e for e in reversed(entries) if e["entity_id"] == str(created["id"])]
    assert [e["action"] for e in mine] == ["create", "update", "update", "delete"]
    assert mine[0]["after"]["host"] == "host" and mine[0]["after"]["subject"] == "host-night"
    assert mine[-1]["before"]["stations"] == ["HH-01"] and mine[-1]["after"] is None


async def test_the_rules_of_an_internal_grant(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    h = w.headers["host-admin"]

    async def refused(body: dict[str, Any], status: int = 422) -> list[str]:
        r = await client.post(f"{API}/internal-grants", json=body, headers=h)
        assert r.status_code == status, r.text
        return [e["field"] for e in r.json().get("errors", [])]

    # Whose tokens: the host or below it; an unknown key answers the same as another company.
    assert await refused({**NIGHTS, "subject": "partner-a"}) == ["body.subject"]
    assert await refused({**NIGHTS, "subject": "nobody"}) == ["body.subject"]
    # Where: the host's places only, unknown ones alike.
    assert await refused({**NIGHTS, "locations": ["b-yard"]}) == ["body.locations[0]"]
    assert await refused({**NIGHTS, "locations": ["nowhere"]}) == ["body.locations[0]"]
    # The shared rules of a grant entry, with their paths.
    assert await refused({**NIGHTS, "priority": 0}) == ["body.priority"]
    assert await refused({**NIGHTS, "hours": "06:00-06:00"}) == ["body.hours"]
    assert await refused({"host": "host", "locations": ["depot-hamburg"], "stations": ["HH-01"]}) == ["body"]
    # A host the caller cannot see is 404; one it reads but may not write grants of is 403.
    assert await refused({**NIGHTS, "host": "partner-a", "subject": None, "locations": ["b-yard"]}, 404) == []
    r = await client.post(f"{API}/internal-grants", json=NIGHTS, headers=w.headers["host-fleet"])
    assert r.status_code in (403, 404), r.text
    # A subject above a place's owner: the engine would ignore the grant there, so it is refused.
    await w.post("organisations", {"key": "host-depots", "name": "Depots", "parent": "host"})
    await w.post("locations", {"key": "depot-kiel", "org": "host-depots", "name": "Kiel"})
    assert await refused({**NIGHTS, "subject": None, "locations": ["depot-kiel"]}) == ["body.locations[0]"]
    # Keys are unique per host.
    await w.post("internal-grants", NIGHTS, who="host-admin")
    assert await refused(NIGHTS, 409) == []


async def test_partners_never_see_internal_grants(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    created = await w.post("internal-grants", NIGHTS, who="host-admin")
    for who in ("a-admin", "a-fleet", "b-admin", "a-driver"):
        assert (await w.get("internal-grants", who)).json()["items"] == []
        for ref in ("host:night-shift", str(created["id"])):
            assert (await w.get(f"internal-grants/{ref}", who)).status_code == 404
            r = await client.patch(
                f"{API}/internal-grants/{ref}", json={"priority": 3}, headers=w.headers[who]
            )
            assert r.status_code == 404
            assert (
                await client.delete(f"{API}/internal-grants/{ref}", headers=w.headers[who])
            ).status_code == 404
    # Nor through a partnership: an internal grant has none.
    assert (await w.get(f"partnerships/host-a/grants/{created['id']}", "host-admin")).status_code == 404


async def test_internal_grant_writes_mark_the_local_lists(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    stations = ("HH-01", "HH-02", "HB-01", "B-01")
    await watch_lists(runtime, stations)

    async def changes() -> tuple[int, ...]:
        return tuple([await list_changes(runtime, s) for s in stations])

    await w.post("internal-grants", NIGHTS, who="host-fm")
    assert await changes() == (1, 1, 0, 0)  # every station of Depot Hamburg, nothing elsewhere
    r = await client.patch(
        f"{API}/internal-grants/host:night-shift",
        json={"locations": ["depot-bremen"]},
        headers=w.headers["host-fm"],
    )
    assert r.status_code == 200, r.text
    assert await changes() == (2, 2, 1, 0)  # before (Hamburg) and after (Bremen)
    r = await client.delete(f"{API}/internal-grants/host:night-shift", headers=w.headers["host-fm"])
    assert r.status_code == 204, r.text
    assert await changes() == (2, 2, 2, 0)


async def test_an_explicit_internal_grant_switches_the_implicit_one_off_there_only(
    client: AsyncClient, runtime: Runtime
) -> None:
    w = await _world(client, runtime)
    # Without an explicit grant the host's whole fleet charges anywhere at its depots, any time.
    for token in ("C0FFEE01", "0E000001"):
        for at in (TUESDAY_0210, TUESDAY_NOON):
            assert await decide(runtime, "HH-01", token, at) == "Accepted", (token, at)

    await w.post("internal-grants", NIGHTS, who="host-fm")
    # At Depot Hamburg only the night shift, only at night; the rest of the fleet not at all.
    assert await decide(runtime, "HH-01", "0E000001", TUESDAY_0210) == "Accepted"
    assert await decide(runtime, "HH-01", "0E000001", TUESDAY_NOON) == "NotAtThisTime"
    assert await decide(runtime, "HH-01", "C0FFEE01", TUESDAY_0210) == "NotAtThisLocation"
    assert await decide(runtime, "HH-02", "C0FFEE01", TUESDAY_NOON) == "NotAtThisLocation"
    # Partner A's grant is untouched by the host's internal rules.
    assert await decide(runtime, "HH-01", "A0000001", TUESDAY_0210) == "Accepted"
    # Bremen, another depot of the host, still admits the whole fleet at any time.
    for token in ("C0FFEE01", "0E000001"):
        for at in (TUESDAY_0210, TUESDAY_NOON):
            assert await decide(runtime, "HB-01", token, at) == "Accepted", (token, at)
    decisions = (
        await w.get("access-decisions", "host-admin", location="depot-hamburg", token="0E000001")
    ).json()
    assert {d["grant"] for d in decisions["items"]} >= {"night-shift"}

    # Gone again: the implicit grant is back.
    r = await client.delete(f"{API}/internal-grants/host:night-shift", headers=w.headers["host-fm"])
    assert r.status_code == 204
    assert await decide(runtime, "HH-01", "C0FFEE01", TUESDAY_0210) == "Accepted"
