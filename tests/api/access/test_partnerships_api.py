"""/partnerships and their /grants: the host side writes (org_admin: partnerships and grants;
facility_manager: grants only), the partner side reads its own without the revenue share and
never writes; the import's rules answer the same through the API; every write is audited and the
next authorisation decides with it."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.support.local_lists import list_changes, watch_lists
from tests.support.partner_world import API, TUESDAY_0210, World, build, decide


async def _world(client: AsyncClient, runtime: Runtime) -> World:
    return await build(client, runtime, decisions=False)


def _refs(body: dict[str, Any]) -> list[str]:
    return [p["ref"] for p in body["items"]]


async def test_host_admin_reads_its_partnerships_with_terms(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    r = await w.get("partnerships", "host-admin")
    assert r.status_code == 200, r.text
    assert _refs(r.json()) == ["host-a", "host-b"]
    host_a = r.json()["items"][0]
    assert host_a | {"created_at": None, "updated_at": None} == {
        "ref": "host-a",
        "key": "host-a",
        "host": "host",
        "partner": "partner-a",
        "status": "active",
        "valid_from": None,
        "valid_until": None,
        "tariff": "host-night",
        "revenue_share": [{"party": "host", "percent": "70"}, {"party": "operator", "percent": "30"}],
        "created_at": None,
        "updated_at": None,
    }
    assert (await w.get("partnerships/host:partner-a", "host-admin")).json()["ref"] == "host-a"
    page = (await w.get("partnerships", "host-admin", limit=1)).json()
    assert _refs(page) == ["host-a"] and page["next_cursor"]
    rest = (await w.get("partnerships", "host-admin", limit=1, cursor=page["next_cursor"])).json()
    assert _refs(rest) == ["host-b"] and rest["next_cursor"] is None
    assert _refs((await w.get("partnerships", "host-admin", partner="partner-b")).json()) == ["host-b"]
    assert _refs((await w.get("partnerships", "host-admin", status="suspended")).json()) == []
    grants = (await w.get("partnerships/host-a/grants", "host-admin")).json()["items"]
    assert [(g["ref"], g["locations"], g["windows"]) for g in grants] == [
        (
            "a-nights",
            ["depot-hamburg"],
            [{"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "20:00-06:00"}],
        )
    ]


async def test_partner_reads_its_own_partnership_without_revenue_share(
    client: AsyncClient, runtime: Runtime
) -> None:
    w = await _world(client, runtime)
    for who in ("a-admin", "a-fleet"):
        listed = (await w.get("partnerships", who)).json()["items"]
        assert [(p["ref"], p["revenue_share"], p["tariff"]) for p in listed] == [
            ("host-a", None, "host-night")
        ]
        assert (await w.get("partnerships/host-a", who)).status_code == 200
        assert (await w.get("partnerships/host-b", who)).status_code == 404
        assert (await w.get("partnerships/host:partner-b", who)).status_code == 404
        assert (await w.get("partnerships/host-b/grants", who)).status_code == 404
        assert (await w.get("partnerships/host-b/grants/b-hh02", who)).status_code == 404
        assert [g["ref"] for g in (await w.get("partnerships/host-a/grants", who)).json()["items"]] == [
            "a-nights"
        ]
        assert (await w.get("partnerships/host-a/grants/a-nights", who)).status_code == 200
        # Never a write, not even on its own partnership.
        headers = w.headers[who]
        r = await client.patch(f"{API}/partnerships/host-a", json={"status": "ended"}, headers=headers)
        assert r.status_code == 403, r.text
        r = await client.post(
            f"{API}/partnerships/host-a/grants", json={"stations": ["HH-01"]}, headers=headers
        )
        assert r.status_code == 403, r.text
        r = await client.patch(
            f"{API}/partnerships/host-a/grants/a-nights", json={"hours": "00:00-24:00"}, headers=headers
        )
        assert r.status_code == 403, r.text
        assert (
            await client.delete(f"{API}/partnerships/host-a/grants/a-nights", headers=headers)
        ).status_code == 403
        body = {"host": "partner-a", "partner": "partner-b"}
        assert (await client.post(f"{API}/partnerships", json=body, headers=headers)).status_code in (
            201,
            403,
        )
    # Seen by the partner organisation: an admin of one of its sub-organisations sees nothing.
    assert (await w.get("partnerships", "a-sub-admin")).json()["items"] == []
    assert (await w.get("partnerships", "b-admin")).json()["items"][0]["ref"] == "host-b"
    # The host's fleet manager is not the host side of partner access.
    assert (await w.get("partnerships", "host-fleet")).json()["items"] == []
    assert (await w.get("partnerships", "a-driver")).json()["items"] == []


async def test_a_partner_org_admin_may_host_partnerships_of_its_own(
    client: AsyncClient, runtime: Runtime
) -> None:
    w = await _world(client, runtime)
    r = await client.post(
        f"{API}/partnerships",
        json={"host": "partner-a", "partner": "partner-b"},
        headers=w.headers["a-admin"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["ref"] == "partner-a:partner-b"
    # Partner B sees it from its side; the host of Depot Hamburg does not.
    assert "partner-a:partner-b" in _refs((await w.get("partnerships", "b-admin")).json())
    assert "partner-a:partner-b" not in _refs((await w.get("partnerships", "host-admin")).json())


async def test_facility_manager_manages_grants_not_terms(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    fm = w.headers["host-fm"]
    listed = (await w.get("partnerships", "host-fm")).json()["items"]
    assert [p["ref"] for p in listed] == ["host-a", "host-b"] and listed[0]["revenue_share"] is not None
    r = await client.patch(f"{API}/partnerships/host-a", json={"status": "suspended"}, headers=fm)
    assert r.status_code == 403, r.text
    r = await client.post(
        f"{API}/partnerships",
        json={"host": "host", "partner": "partner-a-sub", "key": "x"},
        headers=fm,
    )
    assert r.status_code == 403, r.text
    r = await client.post(
        f"{API}/partnerships/host-a/grants",
        json={"key": "a-evse", "evses": [{"station": "HH-01", "evse": 1}], "max_power_kw": 22.5},
        headers=fm,
    )
    assert r.status_code == 201, r.text
    assert r.json()["evses"] == [{"station": "HH-01", "evse": 1}] and r.json()["max_power_kw"] == "22.5"
    r = await client.patch(
        f"{API}/partnerships/host-a/grants/a-evse", json={"stations": ["HH-02"], "priority": 3}, headers=fm
    )
    assert r.status_code == 200, r.text
    assert (r.json()["stations"], r.json()["evses"], r.json()["priority"]) == (["HH-02"], None, 3)
    assert r.json()["max_power_kw"] == "22.5"  # untouched fields stay
    assert (await client.delete(f"{API}/partnerships/host-a/grants/a-evse", headers=fm)).status_code == 204
    assert (await w.get("partnerships/host-a/grants/a-evse", "host-fm")).status_code == 404


async def test_grants_follow_the_import_rules(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    admin = w.headers["host-admin"]

    async def refused(body: dict[str, Any], field: str, status: int = 422, ref: str = "host-a") -> str:
        r = await client.post(f"{API}/partnerships/{ref}/grants", json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if status == 422:
            assert r.json()["errors"][0]["field"] == field, r.json()
        detail: str = r.json()["detail"]
        return detail

    # A place outside the host and an unknown place answer alike (nothing about other customers).
    outside = await refused({"locations": ["b-yard"]}, "body.locations[0]")
    unknown = await refused({"locations": ["nowhere"]}, "body.locations[0]")
    assert "partner-b" not in outside and outside.replace("b-yard", "X") == unknown.replace("nowhere", "X")
    await refused({"stations": ["B-01"]}, "body.stations[0]")
    await refused({"evses": [{"station": "HH-01", "evse": 7}]}, "body.evses[0].evse")
    await refused({"locations": ["depot-hamburg"], "stations": ["HH-01"]}, "body")
    await refused({}, "body")
    await refused({"locations": ["depot-hamburg"], "hours": "06:00-06:00"}, "body.hours")
    await refused({"locations": ["depot-hamburg"], "hours": "25:00-06:00"}, "body.hours")
    await refused(
        {"locations": ["depot-hamburg"], "days": ["mon"], "windows": [{"days": ["tue"]}]}, "body.windows"
    )
    await refused({"locations": ["depot-hamburg"], "valid_from": "2026-02-01", "valid_until": "2026-01-01"}, "body.valid_until")  # fmt: skip
    await refused({"locations": ["depot-hamburg"], "priority": 0}, "body.priority")
    await refused({"locations": ["depot-hamburg"], "priority": 10**12}, "body.priority")
    await refused({"locations": ["depot-hamburg"], "max_concurrent": 10**12}, "body.max_concurrent")
    await refused({"locations": ["depot-hamburg"], "max_power_kw": -1}, "body.max_power_kw")
    await refused(
        {"locations": ["depot-hamburg"], "connector_standards": ["NOPE"]}, "body.connector_standards[0]"
    )
    await refused({"locations": ["depot-hamburg"], "subject": "partner-b"}, "body.subject")
    await refused({"locations": ["depot-hamburg"], "subject": "host-fleet"}, "body.subject")
    await refused({"key": "a-nights", "locations": ["depot-hamburg"]}, "", status=409)
    await refused({"locations": ["depot-hamburg"]}, "", status=404, ref="no-such")
    r = await client.post(
        f"{API}/partnerships/host-a/grants",
        json={"locations": ["depot-hamburg"], "subject": "partner-a-sub", "group": "A-POOL"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["subject"], r.json()["group"], r.json()["key"]) == ("partner-a-sub", "A-POOL", None)
    ref = r.json()["ref"]
    assert ref == str(r.json()["id"])  # a grant without a key is addressed by its id
    assert (await w.get(f"partnerships/host-a/grants/{ref}", "host-admin")).json()[
        "subject"
    ] == "partner-a-sub"


async def test_partnerships_follow_the_import_rules(client: AsyncClient, runtime: Runtime) -> None:
    w = await _world(client, runtime)
    admin = w.headers["host-admin"]

    async def refused(body: dict[str, Any], field: str, status: int = 422) -> None:
        r = await client.post(f"{API}/partnerships", json={"host": "host", **body}, headers=admin)
        assert r.status_code == status, (body, r.text)
        if status == 422:
            assert r.json()["errors"][0]["field"] == field, r.json()

    await refused({"partner": "host-fleet"}, "body.partner")  # its own fleet is no partner
    await refused({"partner": "host"}, "body.partner")
    await refused({"partner": "nobody"}, "body.partner")
    await refused({"partner": "partner-a-sub", "revenue_share": [{"party": "host", "percent": 60}]}, "body.revenue_share")  # fmt: skip
    await refused({"partner": "partner-a-sub", "revenue_share": [{"party": "ghost", "percent": 100}]}, "body.revenue_share[0].party")  # fmt: skip
    await refused({"partner": "partner-a-sub", "tariff": "ghost"}, "body.tariff")
    await refused({"partner": "partner-a-sub", "valid_from": "2026-02-01", "valid_until": "2026-01-01"}, "body.valid_until")  # fmt: skip
    await refused({"partner": "partner-a", "key": "other"}, "", status=409)  # the pair exists
    await refused({"partner": "partner-a-sub", "key": "host-b"}, "", status=409)  # the key exists
    # Another customer's tariff is refused without naming whose it is.
    await w.post("partnerships", {"host": "partner-b", "partner": "partner-a", "key": "b-a"})
    from tests.support.partner_world import add_tariff

    await add_tariff(runtime, "b-price", "partner-b")
    r = await client.post(
        f"{API}/partnerships",
        json={"host": "host", "partner": "partner-a-sub", "tariff": "b-price"},
        headers=admin,
    )
    assert r.status_code == 422 and "partner-b" not in r.json()["detail"], r.text
    # Someone else's organisation as host: 404, as if it did not exist.
    r = await client.post(f"{API}/partnerships", json={"host": "partner-b", "partner": "host"}, headers=admin)
    assert r.status_code == 404, r.text
    r = await client.patch(f"{API}/partnerships/b-a", json={"status": "ended"}, headers=admin)
    assert r.status_code == 404, r.text
    r = await client.patch(
        f"{API}/partnerships/host-a",
        json={"status": "suspended", "valid_until": "2027-12-31", "revenue_share": []},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["valid_until"], r.json()["revenue_share"]) == (
        "suspended",
        "2027-12-31",
        [],
    )
    assert r.json()["tariff"] == "host-night"  # left out: kept
    r = await client.patch(f"{API}/partnerships/host-a", json={"status": None}, headers=admin)
    assert r.status_code == 422, r.text


async def test_writes_are_audited_and_decide_the_next_authorisation(
    client: AsyncClient, runtime: Runtime
) -> None:
    w = await _world(client, runtime)
    admin = w.headers["host-admin"]
    assert await decide(runtime, "HH-01", "A0000001", TUESDAY_0210) == "Accepted"
    r = await client.patch(
        f"{API}/partnerships/host-a/grants/a-nights", json={"status": "suspended"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert await decide(runtime, "HH-01", "A0000001", TUESDAY_0210) == "Invalid"
    r = await client.patch(
        f"{API}/partnerships/host-a/grants/a-nights", json={"status": "active"}, headers=admin
    )
    r = await client.patch(f"{API}/partnerships/host-a", json={"status": "suspended"}, headers=admin)
    assert r.status_code == 200, r.text
    assert await decide(runtime, "HH-01", "A0000001", TUESDAY_0210) == "Invalid"
    r = await client.patch(f"{API}/partnerships/host-a", json={"status": "active"}, headers=admin)
    r = await client.patch(
        f"{API}/partnerships/host-a/grants/a-nights", json={"days": ["sat", "sun"]}, headers=admin
    )
    assert r.json()["windows"] == [{"days": ["sat", "sun"], "hours": "00:00-24:00"}], r.text
    assert await decide(runtime, "HH-01", "A0000001", TUESDAY_0210) == "NotAtThisTime"
    assert (
        await client.delete(f"{API}/partnerships/host-a/grants/a-nights", headers=admin)
    ).status_code == 204
    assert await decide(runtime, "HH-01", "A0000001", TUESDAY_0210) == "NotAtThisLocation"

    entries = (await w.get("audit-log", "host-admin", entity="grant", limit=500)).json()["items"]
    actions = [
        (e["action"], e["actor"]) for e in reversed(entries) if e["entity_id"] == entries[0]["entity_id"]
    ]
    assert [a for a, _ in actions] == ["create", "update", "update", "update", "delete"]
    assert entries[0]["before"]["locations"] == ["depot-hamburg"] and entries[0]["after"] is None
    partnership = (await w.get("audit-log", "host-admin", entity="partnership", limit=500)).json()["items"]
    assert [e["action"] for e in partnership][:2] == ["update", "update"]
    assert partnership[0]["before"]["status"] == "suspended" and partnership[0]["after"]["status"] == "active"
    # The partner's admin reads none of the host's audit log.
    mine = (await w.get("audit-log", "a-admin", entity="grant")).json()["items"]
    assert mine == []


async def test_grant_and_partnership_writes_mark_the_local_lists(
    client: AsyncClient, runtime: Runtime
) -> None:
    w = await _world(client, runtime)
    admin = w.headers["host-admin"]
    await watch_lists(runtime, ("HH-01", "HH-02", "B-01"))
    body = {"key": "hh01", "stations": ["HH-01"]}
    assert (
        await client.post(f"{API}/partnerships/host-b/grants", json=body, headers=admin)
    ).status_code == 201
    # Marked per location: every station of Depot Hamburg, none of partner B's yard.
    assert (await list_changes(runtime, "HH-01"), await list_changes(runtime, "HH-02")) == (1, 1)
    r = await client.patch(
        f"{API}/partnerships/host-b/grants/hh01", json={"stations": ["HH-02"]}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert await list_changes(runtime, "HH-02") == 3  # before (the old places) and after (the new)
    assert (await client.delete(f"{API}/partnerships/host-b/grants/hh01", headers=admin)).status_code == 204
    assert await list_changes(runtime, "HH-02") == 4
    r = await client.patch(f"{API}/partnerships/host-a", json={"status": "suspended"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await list_changes(runtime, "HH-01"), await list_changes(runtime, "HH-02")) == (5, 5)
    assert await list_changes(runtime, "B-01") == 0
