"""Charging sessions over the API: who sees which session (fleet side, facility side, a driver's
own), every filter, pages, the detail with its frozen attribution, the meter value series, and
bad input answered with problem+json naming the parameter. The world is built once for the
module's reading tests, each user logged in once; a test that writes takes a database of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from tests.conftest import ModuleWorld
from tests.support.charging_rows import add_meter_values, add_session
from tests.support.helpers import login, make_tree, make_user

API = "/api/v1/sessions"
TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding", "swift": None}
JANE_CARD = "04A2B3C4"
SWIFT_CARD = "5A1F7001"


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


USERS = {
    "root@example.com": (Role.PLATFORM_ADMIN, None),
    "admin@holding.example": (Role.ORG_ADMIN, "holding"),
    "fleet@north.example": (Role.FLEET_MANAGER, "north"),
    "fac@north.example": (Role.FACILITY_MANAGER, "north"),
    "fac@south.example": (Role.FACILITY_MANAGER, "south"),
    "fleet@swift.example": (Role.FLEET_MANAGER, "swift"),
    "jane@north.example": (Role.DRIVER, "north"),
    "joe@north.example": (Role.DRIVER, "north"),
}


@dataclass(frozen=True)
class Built:
    sessions: dict[str, int]  # name -> session id
    logins: dict[str, dict[str, str]]  # email -> headers


@pytest.fixture
async def built(client: AsyncClient, runtime: Runtime, module_world: ModuleWorld) -> Built:
    """The module's world, shared by the tests that only read it."""
    return await module_world("sessions", lambda: _build(client, runtime))


@pytest.fixture
def world(built: Built) -> dict[str, int]:
    return built.sessions


@pytest.fixture
def logins(built: Built) -> dict[str, dict[str, str]]:
    return built.logins


@pytest.fixture
async def own_world(client: AsyncClient, runtime: Runtime, module_world: ModuleWorld) -> Built:
    """The same world in a database of the test's own, for a test that changes it."""
    await module_world.own_database()
    return await _build(client, runtime)


async def _build(client: AsyncClient, runtime: Runtime) -> Built:
    """Four sessions: two at Hamburg (north-site), two at Munich (south); cards of north and swift."""
    await make_tree(runtime, TREE)
    for email, role in USERS.items():
        await make_user(runtime, email, role)
    logins = {email: await login(client, email) for email in USERS}
    root = logins["root@example.com"]
    for path, body in [
        ("cost-centres", {"org": "north", "code": "CC-100", "name": "Trucks"}),
        ("employees", {"key": "emp-jane", "org": "north", "name": "Jane", "user": "jane@north.example"}),
        ("employees", {"key": "emp-joe", "org": "north", "name": "Joe", "user": "joe@north.example"}),
        ("vehicles", {"key": "truck-17", "org": "north", "plate": "HH-AC-17"}),
        (
            "tokens",
            {
                "uid": JANE_CARD,
                "org": "north",
                "employee": "emp-jane",
                "vehicle": "truck-17",
                "cost_centre": "CC-100",
            },
        ),
        ("tokens", {"uid": SWIFT_CARD, "org": "swift"}),
        ("locations", {"key": "depot-hamburg", "org": "north-site", "name": "Hamburg"}),
        ("locations", {"key": "depot-munich", "org": "south", "name": "Munich"}),
        ("stations", {"id": "HH-01", "location": "depot-hamburg"}),
        ("stations", {"id": "MU-01", "location": "depot-munich"}),
    ]:
        r = await client.post(f"/api/v1/{path}", json=body, headers=root)
        assert r.status_code == 201, r.text
    jane = {"token": JANE_CARD, "token_org": "north", "employee": "emp-jane", "vehicle": "truck-17"}
    sessions = {
        "hh_jane": await add_session(
            runtime,
            station="HH-01",
            owner_org="north-site",
            **jane,
            cost_centre="CC-100",
            evse_id=1,
            connector_id=1,
            id_token_type="ISO14443",
            auth_status="Accepted",
            started_at=at(1),
            stopped_at=at(1, 12),
            meter_start_wh=1000,
            meter_stop_wh=13345,
            energy_wh=12345,
            stop_reason="EVDisconnected",
        ),
        "hh_swift": await add_session(
            runtime,
            station="HH-01",
            owner_org="north-site",
            token=SWIFT_CARD,
            token_org="swift",
            state="active",
            evse_id=2,
            connector_id=1,
            started_at=at(2),
            meter_start_wh=500,
        ),
        "mu_jane": await add_session(
            runtime,
            station="MU-01",
            owner_org="south",
            **jane,
            protocol="ocpp2.0.1",
            started_at=at(15, month=2),
            stopped_at=at(15, 11, month=2),
            meter_start_wh=9000,
            meter_stop_wh=8000,
            flags=["stop_below_start"],
            flagged=True,
        ),
        "mu_orphan": await add_session(
            runtime,
            station="MU-01",
            owner_org="south",
            id_token="DEADBEEF",
            state="orphan",
            flags=["orphan"],
            flagged=True,
        ),
    }
    return Built(sessions, logins)


async def _ids(client: AsyncClient, headers: dict[str, str], **params: Any) -> list[int]:
    r = await client.get(API, headers=headers, params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()["items"]]


def _problem(r: Any, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.json()["detail"], r.json()


@pytest.mark.parametrize(
    ("email", "visible"),
    [
        ("root@example.com", {"hh_jane", "hh_swift", "mu_jane", "mu_orphan"}),
        ("admin@holding.example", {"hh_jane", "hh_swift", "mu_jane", "mu_orphan"}),  # both sides
        ("fleet@north.example", {"hh_jane", "mu_jane"}),  # its cards, wherever they charged
        ("fac@north.example", {"hh_jane", "hh_swift"}),  # at its depot, whoever charged
        ("fac@south.example", {"mu_jane", "mu_orphan"}),
        ("fleet@swift.example", {"hh_swift"}),  # a partner sees its own sessions at the host's depot
        ("jane@north.example", {"hh_jane", "mu_jane"}),  # a driver: its own only
        ("joe@north.example", set()),
    ],
)
async def test_who_sees_which_session(
    client: AsyncClient,
    world: dict[str, int],
    logins: dict[str, dict[str, str]],
    email: str,
    visible: set[str],
) -> None:
    h = logins[email]
    ids = await _ids(client, h)
    assert set(ids) == {world[name] for name in visible}
    assert ids == sorted(ids, reverse=True)  # newest first
    for name, session_id in world.items():
        r = await client.get(f"{API}/{session_id}", headers=h)
        assert r.status_code == (200 if name in visible else 404), (name, r.text)
        r = await client.get(f"{API}/{session_id}/meter-values", headers=h)
        assert r.status_code == (200 if name in visible else 404), (name, r.text)


async def test_detail_with_frozen_attribution(
    client: AsyncClient, world: dict[str, int], logins: dict[str, dict[str, str]]
) -> None:
    fleet = logins["fleet@north.example"]
    r = await client.get(f"{API}/{world['hh_jane']}", headers=fleet)
    assert r.status_code == 200, r.text
    s = r.json()
    assert {k: s[k] for k in s if k not in ("created_at", "updated_at")} == {
        "id": world["hh_jane"],
        "station": "HH-01",
        "location": "depot-hamburg",
        "evse_id": 1,
        "connector_id": 1,
        "protocol": "ocpp1.6",
        "transaction_id": s["transaction_id"],
        "state": "completed",
        "id_token": JANE_CARD,
        "id_token_type": "ISO14443",
        "token": JANE_CARD,
        "auth_status": "Accepted",
        "auth_reason": None,
        "started_at": "2026-03-01T10:00:00Z",
        "stopped_at": "2026-03-01T12:00:00Z",
        "meter_start_wh": 1000,
        "meter_stop_wh": 13345,
        "energy_wh": 12345,
        "energy_kwh": "12.345",
        "stop_reason": "EVDisconnected",
        "flags": [],
        "flagged": False,
        "offline": False,
        "owner_org": "north-site",
        "token_org": "north",
        "employee": "emp-jane",
        "vehicle": "truck-17",
        "cost_centre": "CC-100",
    }
    flagged = (await client.get(f"{API}/{world['mu_jane']}", headers=fleet)).json()
    assert flagged["flags"] == ["stop_below_start"] and flagged["flagged"] is True
    assert flagged["energy_wh"] is None and flagged["energy_kwh"] is None


async def test_facility_side_sees_no_fleet_internals(
    client: AsyncClient, world: dict[str, int], logins: dict[str, dict[str, str]]
) -> None:
    """The host's facility manager sees whose card charged (token and its organisation, for billing),
    not the partner's employee, vehicle or cost centre; the fleet side and org admins do."""
    fac = logins["fac@north.example"]
    s = (await client.get(f"{API}/{world['hh_jane']}", headers=fac)).json()
    assert s["token"] == JANE_CARD and s["token_org"] == "north" and s["owner_org"] == "north-site"
    assert s["employee"] is s["vehicle"] is s["cost_centre"] is None
    admin = logins["admin@holding.example"]
    s = (await client.get(f"{API}/{world['hh_jane']}", headers=admin)).json()
    assert (s["employee"], s["vehicle"], s["cost_centre"]) == ("emp-jane", "truck-17", "CC-100")
    driver = logins["jane@north.example"]
    s = (await client.get(f"{API}/{world['hh_jane']}", headers=driver)).json()
    assert s["employee"] == "emp-jane"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"org": "north"}, {"hh_jane", "hh_swift", "mu_jane"}),  # token org or location org in subtree
        ({"org": "south"}, {"mu_jane", "mu_orphan"}),
        ({"org": "north-site"}, {"hh_jane", "hh_swift"}),
        ({"location": "depot-hamburg"}, {"hh_jane", "hh_swift"}),
        ({"location": "no-such-place"}, set()),
        ({"station": "MU-01"}, {"mu_jane", "mu_orphan"}),
        ({"station": "NOPE"}, set()),
        ({"token": "04:a2:b3:c4"}, {"hh_jane", "mu_jane"}),  # typed as printed on the card
        ({"token": "5a1f7001"}, {"hh_swift"}),
        ({"token": "DEADBEEF"}, {"mu_orphan"}),  # an id token nobody issued
        ({"state": "active"}, {"hh_swift"}),
        ({"state": "orphan"}, {"mu_orphan"}),
        ({"state": "completed"}, {"hh_jane", "mu_jane"}),
        ({"flagged": "true"}, {"mu_jane", "mu_orphan"}),
        ({"flagged": "false"}, {"hh_jane", "hh_swift"}),
        ({"from": "2026-03-01"}, {"hh_jane", "hh_swift"}),
        ({"to": "2026-03-01"}, {"hh_jane", "mu_jane"}),  # a date as `to` includes that day
        ({"from": "2026-03-01", "to": "2026-03-01"}, {"hh_jane"}),
        ({"from": "2026-03-01T10:00:00Z", "to": "2026-03-02T10:00:00Z"}, {"hh_jane"}),  # `to` excluded
        ({"from": "2026-03-01T11:00:00+01:00"}, {"hh_jane", "hh_swift"}),  # 10:00 UTC, included
        ({"from": "2026-03-01T11:00:01+01:00"}, {"hh_swift"}),
        ({"org": "north", "state": "completed", "location": "depot-hamburg"}, {"hh_jane"}),
    ],
)
async def test_filters(
    client: AsyncClient,
    world: dict[str, int],
    logins: dict[str, dict[str, str]],
    params: dict[str, str],
    expected: set[str],
) -> None:
    admin = logins["admin@holding.example"]
    assert set(await _ids(client, admin, **params)) == {world[n] for n in expected}


async def test_filters_stay_within_the_scope(
    client: AsyncClient, world: dict[str, int], logins: dict[str, dict[str, str]]
) -> None:
    fac = logins["fac@north.example"]
    assert await _ids(client, fac, station="MU-01") == []
    assert set(await _ids(client, fac, token=JANE_CARD)) == {world["hh_jane"]}
    swift = logins["fleet@swift.example"]
    assert await _ids(client, swift, org="swift") == [world["hh_swift"]]
    # An organisation the caller cannot see is "not found", as everywhere.
    _problem(await client.get(API, headers=swift, params={"org": "north"}), 404, "north")
    admin = logins["admin@holding.example"]
    _problem(await client.get(API, headers=admin, params={"org": "swift"}), 404, "swift")


async def test_pages_walk_every_session_once(
    client: AsyncClient, world: dict[str, int], logins: dict[str, dict[str, str]]
) -> None:
    admin = logins["admin@holding.example"]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(API, headers=admin, params=params)).json()
        seen += [s["id"] for s in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(world.values(), reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-01T10:00:00"}, "from"),  # naive: which time zone?
        ({"to": "2026-03-01T10:00"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "9999-12-31"}, "to"),  # the day after does not exist
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"state": "running"}, "state"),
        ({"flagged": "maybe"}, "flagged"),
        ({"token": "   "}, "token"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "99999999999"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"station": "X" * 49}, "station"),
    ],
)
async def test_bad_filters(
    client: AsyncClient,
    world: dict[str, int],
    logins: dict[str, dict[str, str]],
    params: dict[str, str],
    field: str,
) -> None:
    admin = logins["admin@holding.example"]
    _problem(await client.get(API, headers=admin, params=params), 422, field)


@pytest.mark.parametrize("path", ["0", "-1", "abc", "2147483648", "1.5"])
async def test_bad_session_ids(
    client: AsyncClient, world: dict[str, int], logins: dict[str, dict[str, str]], path: str
) -> None:
    admin = logins["admin@holding.example"]
    for suffix in ("", "/meter-values"):
        r = await client.get(f"{API}/{path}{suffix}", headers=admin)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_absent_session_is_not_found(
    client: AsyncClient, world: dict[str, int], logins: dict[str, dict[str, str]]
) -> None:
    root = logins["root@example.com"]
    _problem(await client.get(f"{API}/999999", headers=root), 404, "999999")
    _problem(await client.get(f"{API}/999999/meter-values", headers=root), 404, "999999")
    assert (await client.get(API)).status_code == 401


async def test_attribution_keys_resolve_at_read_time(client: AsyncClient, own_world: Built) -> None:
    """The ids are frozen; a deleted object leaves its key empty but the session stays visible
    from the organisation frozen in it."""
    world, logins = own_world.sessions, own_world.logins
    root = logins["root@example.com"]
    assert (await client.delete(f"/api/v1/tokens/{JANE_CARD}", headers=root)).status_code == 204
    fleet = logins["fleet@north.example"]
    s = (await client.get(f"{API}/{world['hh_jane']}", headers=fleet)).json()
    assert s["token"] is None and s["id_token"] == JANE_CARD and s["employee"] == "emp-jane"
    assert set(await _ids(client, fleet, token=JANE_CARD)) == {world["hh_jane"], world["mu_jane"]}


async def test_meter_value_series(client: AsyncClient, runtime: Runtime, own_world: Built) -> None:
    world, logins = own_world.sessions, own_world.logins
    sid = world["hh_jane"]
    ocmf = "OCMF|{...}|{...}"
    await add_meter_values(
        runtime,
        sid,
        [
            # Received out of order (an offline queue): the series is in sampled order.
            {"sampled_at": at(1, 11), "value": "7.5", "unit": "kWh", "context": "Sample.Periodic"},
            {"sampled_at": at(1, 10), "value": 1000, "unit": "Wh", "context": "Transaction.Begin"},
            {"sampled_at": at(1, 10), "value": "22.08", "measurand": "Power.Active.Import", "unit": "kW"},
            {"sampled_at": at(1, 11), "value": "230.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
            {
                "sampled_at": at(1, 12),
                "value": "13.345",
                "unit": "kWh",
                "context": "Transaction.End",
                "location": "Outlet",
                "multiplier": 0,
                "signed_data": ocmf,
                "signing_method": "ECDSA-secp256r1-SHA256",
                "public_key": "3059301306072a8648ce3d0201",
            },
        ],
    )
    await add_meter_values(runtime, world["mu_jane"], [{"sampled_at": at(15, month=2), "value": 9000}])
    fleet = logins["fleet@north.example"]
    r = await client.get(f"{API}/{sid}/meter-values", headers=fleet)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(m["sampled_at"], m["measurand"], m["value"]) for m in items] == [
        ("2026-03-01T10:00:00Z", "Energy.Active.Import.Register", "1000"),
        ("2026-03-01T10:00:00Z", "Power.Active.Import", "22.08"),
        ("2026-03-01T11:00:00Z", "Energy.Active.Import.Register", "7.5"),
        ("2026-03-01T11:00:00Z", "Voltage", "230.1"),
        ("2026-03-01T12:00:00Z", "Energy.Active.Import.Register", "13.345"),
    ]
    last = items[-1]
    assert last == {
        "sampled_at": "2026-03-01T12:00:00Z",
        "measurand": "Energy.Active.Import.Register",
        "phase": None,
        "unit": "kWh",
        "multiplier": 0,
        "context": "Transaction.End",
        "location": "Outlet",
        "value": "13.345",
        "evse_id": None,
        "connector_id": None,
        "signed": True,
        "signed_data": ocmf,
        "signing_method": "ECDSA-secp256r1-SHA256",
        "public_key": "3059301306072a8648ce3d0201",
    }
    assert items[0]["signed"] is False and items[0]["signed_data"] is None
    assert items[3]["phase"] == "L1-N"

    energy = await client.get(
        f"{API}/{sid}/meter-values", headers=fleet, params={"measurand": "Energy.Active.Import.Register"}
    )
    assert [m["value"] for m in energy.json()["items"]] == ["1000", "7.5", "13.345"]

    walked: list[tuple[str, str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(f"{API}/{sid}/meter-values", headers=fleet, params=params)).json()
        walked += [(m["sampled_at"], m["measurand"]) for m in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert walked == [(m["sampled_at"], m["measurand"]) for m in items]

    for bad in ("abc", "1_x", "99999999999999999999_1", "_1"):
        r = await client.get(f"{API}/{sid}/meter-values", headers=fleet, params={"cursor": bad})
        _problem(r, 422, "cursor")
