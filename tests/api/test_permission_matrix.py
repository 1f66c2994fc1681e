"""The permission matrix, generated from the role table: every role x every resource family x
read/write, over the API. The caller holds its role on organisation `a`; each family has one object
in `a1` (a descendant: in reach), one in `b` (a sibling) and one in `h` (an ancestor), which are
never in reach. Expected answers come from ROLE_PERMISSIONS, not from this file. Charging sessions,
which only stations write, are read-only families checked from both sides (fleet and facility)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.orgs.roles import ROLE_PERMISSIONS, Action, Reach, Resource, Role
from depotshare.services.runtime import Runtime
from tests.support.charging_rows import add_session
from tests.support.helpers import PASSWORD, login, make_tree, make_user
from tests.support.partner_world import decide

API = "/api/v1"
# p0..p2 and pnew are partner companies (other customers) for the partnerships of a1, b and h.
TREE = {"h": None, "a": "h", "a1": "a", "b": "h", "p0": None, "p1": None, "p2": None, "pnew": None}
CALLER = "caller@example.com"
ADMIN = "root@example.com"


@dataclass(frozen=True)
class Family:
    """How to make, address and change one object of a resource family through the API."""

    collection: str
    create: Callable[[str, str], dict[str, Any]]  # (org, unique suffix) -> POST body
    item: Callable[[dict[str, Any]], str]  # created object -> its path segment
    change: dict[str, Any]  # a harmless PATCH body


FAMILIES: dict[Resource, Family] = {
    Resource.ORGANISATIONS: Family(
        "organisations",
        lambda org, s: {"key": f"{org}-child-{s}", "name": "Child", "parent": org},
        lambda o: o["key"],
        {"name": "Renamed"},
    ),
    Resource.USERS: Family(
        "users",
        lambda org, s: {
            "email": f"u-{org}-{s}@example.com",
            "name": "U",
            "password": PASSWORD,
            "roles": [{"role": "driver", "org": org}],
        },
        lambda o: str(o["id"]),
        {"name": "Renamed"},
    ),
    Resource.LOCATIONS: Family(
        "locations",
        lambda org, s: {"key": f"loc-{org}-{s}", "org": org, "name": "Depot", "timezone": "Europe/Berlin"},
        lambda o: o["key"],
        {"name": "Renamed"},
    ),
    Resource.STATIONS: Family(
        "stations",
        lambda org, s: {"id": f"ST-{org}-{s}", "location": f"loc-{org}-base"},
        lambda o: o["id"],
        {"vendor": "Renamed"},
    ),
    Resource.TOKENS: Family(
        "tokens",
        lambda org, s: {"uid": f"{abs(hash((org, s))) % 0xFFFFFFFF:08X}", "org": org},
        lambda o: o["uid"],
        {"label": "Renamed"},
    ),
    Resource.EMPLOYEES: Family(
        "employees",
        lambda org, s: {"key": f"emp-{org}-{s}", "org": org, "name": "E"},
        lambda o: o["key"],
        {"name": "Renamed"},
    ),
    Resource.VEHICLES: Family(
        "vehicles",
        lambda org, s: {"key": f"veh-{org}-{s}", "org": org, "plate": "HH-X-1"},
        lambda o: o["key"],
        {"plate": "HH-Y-2"},
    ),
    Resource.COST_CENTRES: Family(
        "cost-centres",
        lambda org, s: {"org": org, "code": f"CC-{s}", "name": "CC"},
        lambda o: str(o["id"]),
        {"name": "Renamed"},
    ),
    # Host side: `org` hosts a partnership with one of the partner companies.
    Resource.PARTNERSHIPS: Family(
        "partnerships",
        lambda org, s: {"key": f"ps-{org}-{s}", "host": org, "partner": f"p{s}"},
        lambda o: o["ref"],
        {"status": "suspended"},
    ),
}
# Charging sessions are written by stations, never over the API; both families are read through
# /sessions. Each family's objects are rows made through the store, attributed so that only that
# family's side reaches them: the other side's organisation is always `h`, never in reach.
SESSION_SIDES = {Resource.SESSIONS: "token_org", Resource.SITE_SESSIONS: "owner_org"}
# Families of the role table that have no REST resource yet, and the issue that adds it.
NOT_YET_ROUTED: dict[Resource, str] = {}
LIST_ONLY = {Resource.AUDIT}  # read through /audit-log; written by the system only
# Grants live under their partnership: one per partnership (host side) and the partner side of
# both; checked by test_grant_matrix and test_partner_access_matrix below. A host's internal
# grants (no partnership, /internal-grants) are of the grants family too: test_internal_grant_matrix.
NESTED = {Resource.GRANTS, Resource.PARTNER_ACCESS}
# The decision log, read through /access-decisions, written by authorisations only.
DECISION_SIDES = {Resource.ACCESS_DECISIONS: "token", Resource.SITE_ACCESS_DECISIONS: "location"}


def test_every_family_of_the_role_table_is_covered() -> None:
    covered = (
        set(FAMILIES) | set(SESSION_SIDES) | set(NOT_YET_ROUTED) | LIST_ONLY | NESTED | set(DECISION_SIDES)
    )
    assert set(Resource) == covered


CASES = [(role, res, act) for role in Role for res in FAMILIES for act in Action]


def _reach(role: Role, resource: Resource, action: Action) -> Reach | None:
    return ROLE_PERMISSIONS[role].get((resource, action))


async def _world(
    client: AsyncClient, runtime: Runtime, role: Role, resource: Resource
) -> tuple[dict[str, str], dict[str, dict[str, Any]], Callable[[str], Awaitable[dict[str, Any]]]]:
    await make_tree(runtime, TREE)
    await make_user(runtime, ADMIN, (Role.PLATFORM_ADMIN, None))
    await make_user(runtime, CALLER, (role, None if role is Role.PLATFORM_ADMIN else "a"))
    admin = await login(client, ADMIN)
    fam = FAMILIES[resource]
    counter = iter(range(1000))

    async def create(org: str, **extra: Any) -> dict[str, Any]:
        if resource is Resource.STATIONS and not hasattr(create, org):  # a station needs a location
            r = await client.post(
                f"{API}/locations",
                json={"key": f"loc-{org}-base", "org": org, "name": "Base", "timezone": "UTC"},
                headers=admin,
            )
            assert r.status_code == 201, r.text
            setattr(create, org, True)
        r = await client.post(
            f"{API}/{fam.collection}", json={**fam.create(org, str(next(counter))), **extra}, headers=admin
        )
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    objects = {org: await create(org) for org in ("a1", "b", "h")}
    return await login(client, CALLER), objects, create


async def _own_token(
    client: AsyncClient, admin: dict[str, str], create: Callable[..., Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """A token in a1 tied to the caller's own employee record."""
    r = await client.post(
        f"{API}/employees", json={"key": "emp-me", "org": "a1", "name": "Me", "user": CALLER}, headers=admin
    )
    assert r.status_code == 201, r.text
    return await create("a1", employee="emp-me")


@pytest.mark.parametrize(
    ("role", "resource", "action"), CASES, ids=[f"{r.value}-{s.value}-{a.value}" for r, s, a in CASES]
)
async def test_matrix(
    client: AsyncClient, runtime: Runtime, role: Role, resource: Resource, action: Action
) -> None:
    caller, objects, create = await _world(client, runtime, role, resource)
    fam = FAMILIES[resource]
    everywhere = role is Role.PLATFORM_ADMIN
    reach = _reach(role, resource, action)
    read_reach = _reach(role, resource, Action.READ)
    in_reach = {"a1": reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    readable = {"a1": read_reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    own = (
        await _own_token(client, await login(client, ADMIN), create)
        if resource is Resource.TOKENS and role is Role.DRIVER
        else None
    )

    if action is Action.READ:
        for org, obj in objects.items():
            r = await client.get(f"{API}/{fam.collection}/{fam.item(obj)}", headers=caller)
            assert r.status_code == (200 if in_reach[org] else 404), (org, r.text)
        listed = (await client.get(f"{API}/{fam.collection}", params={"limit": 500}, headers=caller)).json()[
            "items"
        ]
        listed_ids = {fam.item(o) for o in listed}
        for org, obj in objects.items():
            assert (fam.item(obj) in listed_ids) == in_reach[org], org
        if own is not None:  # a driver reads its own card and only that
            assert (await client.get(f"{API}/tokens/{own['uid']}", headers=caller)).status_code == 200
            assert listed_ids == {own["uid"]}
        return

    for org, obj in objects.items():
        path = f"{API}/{fam.collection}/{fam.item(obj)}"
        r = await client.patch(path, json=fam.change, headers=caller)
        expected = 200 if in_reach[org] else (403 if readable[org] else 404)
        assert r.status_code == expected, (org, r.text)
        if expected != 200:  # nothing changed
            after = await client.get(path, headers=await login(client, ADMIN))
            assert all(after.json().get(k) != v for k, v in fam.change.items()), after.json()
    for org in ("a1", "b"):
        r = await client.post(f"{API}/{fam.collection}", json=fam.create(org, "new"), headers=caller)
        if org == "a1":
            assert r.status_code == (201 if in_reach[org] else 403), (org, r.text)
        else:
            assert r.status_code == (201 if everywhere else 404), (org, r.text)
    if own is not None:  # a driver may not change even its own card
        assert (
            await client.patch(f"{API}/tokens/{own['uid']}", json={"label": "x"}, headers=caller)
        ).status_code == 403


SESSION_CASES = [(role, res) for role in Role for res in SESSION_SIDES]


async def _session_world(
    client: AsyncClient, runtime: Runtime, role: Role, resource: Resource
) -> tuple[dict[str, str], dict[str, int], int | None]:
    """One session per organisation a1, b, h on the family's side; for a driver on the fleet side
    also one of its own (a1, its employee record). Returns (caller, org -> session id, own id)."""
    await make_tree(runtime, TREE)
    await make_user(runtime, ADMIN, (Role.PLATFORM_ADMIN, None))
    await make_user(runtime, CALLER, (role, None if role is Role.PLATFORM_ADMIN else "a"))
    admin = await login(client, ADMIN)
    for org in ("a1", "b", "h"):
        for path, body in (
            ("locations", {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}),
            ("stations", {"id": f"ST-{org}", "location": f"loc-{org}"}),
        ):
            r = await client.post(f"{API}/{path}", json=body, headers=admin)
            assert r.status_code == 201, r.text
    sessions = {}
    for org in ("a1", "b", "h"):
        if SESSION_SIDES[resource] == "token_org":  # a card of `org` charged at h's depot
            sessions[org] = await add_session(runtime, station="ST-h", owner_org="h", token_org=org)
        else:  # h's card charged at `org`'s depot
            sessions[org] = await add_session(runtime, station=f"ST-{org}", owner_org=org, token_org="h")
    own = None
    if role is Role.DRIVER and resource is Resource.SESSIONS:
        body = {"key": "emp-me", "org": "a1", "name": "Me", "user": CALLER}
        assert (await client.post(f"{API}/employees", json=body, headers=admin)).status_code == 201
        own = await add_session(runtime, station="ST-h", owner_org="h", token_org="a1", employee="emp-me")
    return await login(client, CALLER), sessions, own


@pytest.mark.parametrize(
    ("role", "resource"), SESSION_CASES, ids=[f"{r.value}-{s.value}-read" for r, s in SESSION_CASES]
)
async def test_session_matrix(client: AsyncClient, runtime: Runtime, role: Role, resource: Resource) -> None:
    caller, sessions, own = await _session_world(client, runtime, role, resource)
    everywhere = role is Role.PLATFORM_ADMIN
    reach = _reach(role, resource, Action.READ)
    in_reach = {"a1": reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    for org, session_id in sessions.items():
        for suffix in ("", "/meter-values"):
            r = await client.get(f"{API}/sessions/{session_id}{suffix}", headers=caller)
            assert r.status_code == (200 if in_reach[org] else 404), (org, suffix, r.text)
    r = await client.get(f"{API}/sessions", params={"limit": 500}, headers=caller)
    assert r.status_code == 200, r.text
    listed = {s["id"] for s in r.json()["items"]}
    assert listed == {sessions[org] for org in sessions if in_reach[org]} | ({own} if own else set())
    if own is not None:  # a driver reads its own session and only that
        assert (await client.get(f"{API}/sessions/{own}", headers=caller)).status_code == 200
        assert _reach(role, resource, Action.READ) is Reach.OWN


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_nobody_writes_sessions_over_the_api(client: AsyncClient, runtime: Runtime, role: Role) -> None:
    caller, sessions, _ = await _session_world(client, runtime, role, Resource.SITE_SESSIONS)
    item = f"{API}/sessions/{sessions['a1']}"
    assert (await client.post(f"{API}/sessions", json={}, headers=caller)).status_code == 405
    assert (await client.patch(item, json={"state": "completed"}, headers=caller)).status_code == 405
    assert (await client.delete(item, headers=caller)).status_code == 405


# --- partner access: grants (host side) and the partner side ------------------------------------


def test_grants_are_read_with_their_partnership() -> None:
    """A grant is reached through its partnership, so whoever reads grants reads partnerships."""
    for role in Role:
        if _reach(role, Resource.GRANTS, Action.READ) is not None:
            assert _reach(role, Resource.PARTNERSHIPS, Action.READ) is not None, role


async def _partner_world(
    client: AsyncClient, runtime: Runtime, role: Role, host_side: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """One partnership with one grant `g` per organisation a1, b, h: hosted by it (host side), or
    naming it as the partner of the outside company p0 (partner side). Returns (caller, org -> ref)."""
    await make_tree(runtime, TREE)
    await make_user(runtime, ADMIN, (Role.PLATFORM_ADMIN, None))
    await make_user(runtime, CALLER, (role, None if role is Role.PLATFORM_ADMIN else "a"))
    admin = await login(client, ADMIN)
    refs = {}
    for org in ("a1", "b", "h", "p0"):
        body = {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}
        assert (await client.post(f"{API}/locations", json=body, headers=admin)).status_code == 201
    for org in ("a1", "b", "h"):
        host, partner = (org, "p0") if host_side else ("p0", org)
        body = {"key": f"ps-{org}", "host": host, "partner": partner}
        r = await client.post(f"{API}/partnerships", json=body, headers=admin)
        assert r.status_code == 201, r.text
        refs[org] = r.json()["ref"]
        grant = {"key": "g", "locations": [f"loc-{host}"]}
        r = await client.post(f"{API}/partnerships/{refs[org]}/grants", json=grant, headers=admin)
        assert r.status_code == 201, r.text
    return await login(client, CALLER), refs


PARTNER_CASES = [(role, act) for role in Role for act in Action]


@pytest.mark.parametrize(
    ("role", "action"), PARTNER_CASES, ids=[f"{r.value}-{a.value}" for r, a in PARTNER_CASES]
)
async def test_grant_matrix(client: AsyncClient, runtime: Runtime, role: Role, action: Action) -> None:
    caller, refs = await _partner_world(client, runtime, role, host_side=True)
    everywhere = role is Role.PLATFORM_ADMIN
    reach = _reach(role, Resource.GRANTS, action)
    readable = {
        "a1": _reach(role, Resource.GRANTS, Action.READ) is Reach.SUBTREE,
        "b": everywhere,
        "h": everywhere,
    }
    in_reach = {"a1": reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    if action is Action.READ:
        for org, ref in refs.items():
            r = await client.get(f"{API}/partnerships/{ref}/grants/g", headers=caller)
            assert r.status_code == (200 if in_reach[org] else 404), (org, r.text)
            r = await client.get(f"{API}/partnerships/{ref}/grants", headers=caller)
            assert r.status_code == (200 if in_reach[org] else 404), (org, r.text)
        return
    for org, ref in refs.items():
        r = await client.patch(f"{API}/partnerships/{ref}/grants/g", json={"priority": 5}, headers=caller)
        assert r.status_code == (200 if in_reach[org] else 403 if readable[org] else 404), (org, r.text)
        body = {"key": "new", "locations": [f"loc-{org}"]}
        r = await client.post(f"{API}/partnerships/{ref}/grants", json=body, headers=caller)
        assert r.status_code == (201 if in_reach[org] else 403 if readable[org] else 404), (org, r.text)
        r = await client.delete(f"{API}/partnerships/{ref}/grants/g", headers=caller)
        assert r.status_code == (204 if in_reach[org] else 403 if readable[org] else 404), (org, r.text)


@pytest.mark.parametrize(
    ("role", "action"), PARTNER_CASES, ids=[f"{r.value}-{a.value}" for r, a in PARTNER_CASES]
)
async def test_partner_access_matrix(
    client: AsyncClient, runtime: Runtime, role: Role, action: Action
) -> None:
    """The partner side reads the partnerships naming its subtree as partner, and their grants;
    nobody writes through it (the host is p0, outside every caller's reach)."""
    caller, refs = await _partner_world(client, runtime, role, host_side=False)
    everywhere = role is Role.PLATFORM_ADMIN
    read = _reach(role, Resource.PARTNER_ACCESS, Action.READ) is Reach.SUBTREE
    visible = {"a1": read or everywhere, "b": everywhere, "h": everywhere}
    writable = everywhere or _reach(role, Resource.PARTNER_ACCESS, Action.WRITE) is not None
    listed = {p["ref"] for p in (await client.get(f"{API}/partnerships", headers=caller)).json()["items"]}
    assert listed == {ref for org, ref in refs.items() if visible[org]}
    for org, ref in refs.items():
        if action is Action.READ:
            for path in (f"partnerships/{ref}", f"partnerships/{ref}/grants", f"partnerships/{ref}/grants/g"):
                r = await client.get(f"{API}/{path}", headers=caller)
                assert r.status_code == (200 if visible[org] else 404), (org, path, r.text)
            continue
        expected = 200 if writable else 403 if visible[org] else 404
        r = await client.patch(f"{API}/partnerships/{ref}", json={"status": "ended"}, headers=caller)
        assert r.status_code == expected, (org, r.text)
        r = await client.patch(f"{API}/partnerships/{ref}/grants/g", json={"priority": 5}, headers=caller)
        assert r.status_code == expected, (org, r.text)


async def _internal_grant_world(
    client: AsyncClient, runtime: Runtime, role: Role
) -> tuple[dict[str, str], dict[str, int]]:
    """One internal grant `g` per organisation a1, b, h, for its own fleet at its own depot.
    Returns (caller, org -> grant id)."""
    await make_tree(runtime, TREE)
    await make_user(runtime, ADMIN, (Role.PLATFORM_ADMIN, None))
    await make_user(runtime, CALLER, (role, None if role is Role.PLATFORM_ADMIN else "a"))
    admin = await login(client, ADMIN)
    ids = {}
    for org in ("a1", "b", "h"):
        body = {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}
        assert (await client.post(f"{API}/locations", json=body, headers=admin)).status_code == 201
        grant = {"host": org, "key": "g", "locations": [f"loc-{org}"]}
        r = await client.post(f"{API}/internal-grants", json=grant, headers=admin)
        assert r.status_code == 201, r.text
        ids[org] = r.json()["id"]
    return await login(client, CALLER), ids


@pytest.mark.parametrize(
    ("role", "action"), PARTNER_CASES, ids=[f"{r.value}-{a.value}" for r, a in PARTNER_CASES]
)
async def test_internal_grant_matrix(
    client: AsyncClient, runtime: Runtime, role: Role, action: Action
) -> None:
    """Internal grants are the host side's `grants` family: by HOST:KEY, by id, and in the list."""
    caller, ids = await _internal_grant_world(client, runtime, role)
    everywhere = role is Role.PLATFORM_ADMIN
    readable = {
        "a1": _reach(role, Resource.GRANTS, Action.READ) is Reach.SUBTREE,
        "b": everywhere,
        "h": everywhere,
    }
    in_reach = {
        "a1": _reach(role, Resource.GRANTS, action) is Reach.SUBTREE,
        "b": everywhere,
        "h": everywhere,
    }
    if action is Action.READ:
        for org, grant_id in ids.items():
            for ref in (f"{org}:g", str(grant_id)):
                r = await client.get(f"{API}/internal-grants/{ref}", headers=caller)
                assert r.status_code == (200 if in_reach[org] else 404), (org, ref, r.text)
        listed = (await client.get(f"{API}/internal-grants", params={"limit": 500}, headers=caller)).json()
        assert {g["id"] for g in listed["items"]} == {i for org, i in ids.items() if in_reach[org]}
        return
    for org in ids:
        expected = 200 if in_reach[org] else 403 if readable[org] else 404
        r = await client.patch(f"{API}/internal-grants/{org}:g", json={"priority": 5}, headers=caller)
        assert r.status_code == expected, (org, r.text)
        r = await client.delete(f"{API}/internal-grants/{org}:g", headers=caller)
        assert r.status_code == (204 if expected == 200 else expected), (org, r.text)
    for org in ("a1", "b"):
        body = {"host": org, "key": "new", "locations": [f"loc-{org}"]}
        r = await client.post(f"{API}/internal-grants", json=body, headers=caller)
        if org == "a1":
            assert r.status_code == (201 if in_reach[org] else 403), (org, r.text)
        else:
            assert r.status_code == (201 if everywhere else 404), (org, r.text)


# --- the decision log ---------------------------------------------------------------------------

DECISION_CASES = [(role, res) for role in Role for res in DECISION_SIDES]


async def _decision_world(
    client: AsyncClient, runtime: Runtime, role: Role, resource: Resource
) -> tuple[dict[str, str], dict[str, set[int]], set[int]]:
    """Decisions per organisation a1, b, h on the family's side: a card of `org` at h's station
    (token side) or h's card at `org`'s station (location side); for a driver on the token side
    also one about its own card. Returns (caller, org -> decision ids, own ids)."""
    await make_tree(runtime, TREE)
    await make_user(runtime, ADMIN, (Role.PLATFORM_ADMIN, None))
    await make_user(runtime, CALLER, (role, None if role is Role.PLATFORM_ADMIN else "a"))
    admin = await login(client, ADMIN)
    uids = {"a1": "0A100001", "b": "0B000001", "h": "0C000001", "own": "0A1000FF"}
    for org in ("a1", "b", "h"):
        for path, body in (
            ("locations", {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}),
            ("stations", {"id": f"ST-{org}", "location": f"loc-{org}"}),
            ("tokens", {"uid": uids[org], "org": org}),
        ):
            r = await client.post(f"{API}/{path}", json=body, headers=admin)
            assert r.status_code == 201, r.text
    from datetime import UTC, datetime

    at = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    for org in ("a1", "b", "h"):
        if DECISION_SIDES[resource] == "token":
            await decide(runtime, "ST-h", uids[org], at, evse=None)
        else:
            await decide(runtime, f"ST-{org}", uids["h"], at, evse=None)
    if role is Role.DRIVER and resource is Resource.ACCESS_DECISIONS:
        body = {"key": "emp-me", "org": "a1", "name": "Me", "user": CALLER}
        assert (await client.post(f"{API}/employees", json=body, headers=admin)).status_code == 201
        body = {"uid": uids["own"], "org": "a1", "employee": "emp-me"}
        assert (await client.post(f"{API}/tokens", json=body, headers=admin)).status_code == 201
        await decide(runtime, "ST-h", uids["own"], at, evse=None)
    everything = (await client.get(f"{API}/access-decisions", params={"limit": 500}, headers=admin)).json()[
        "items"
    ]
    by_org: dict[str, set[int]] = {org: set() for org in ("a1", "b", "h")}
    own: set[int] = set()
    for d in everything:
        if d["id_token"] == uids["own"]:
            own.add(d["id"])
        elif DECISION_SIDES[resource] == "token":
            by_org[next(o for o in ("a1", "b", "h") if uids[o] == d["id_token"])].add(d["id"])
        else:
            by_org[d["location"].removeprefix("loc-")].add(d["id"])
    return await login(client, CALLER), by_org, own


@pytest.mark.parametrize(
    ("role", "resource"), DECISION_CASES, ids=[f"{r.value}-{s.value}-read" for r, s in DECISION_CASES]
)
async def test_decision_matrix(client: AsyncClient, runtime: Runtime, role: Role, resource: Resource) -> None:
    caller, by_org, own = await _decision_world(client, runtime, role, resource)
    everywhere = role is Role.PLATFORM_ADMIN
    reach = _reach(role, resource, Action.READ)
    in_reach = {"a1": reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    expected = {i for org, ids in by_org.items() if in_reach[org] for i in ids} | own
    r = await client.get(f"{API}/access-decisions", params={"limit": 500}, headers=caller)
    assert r.status_code == 200, r.text
    assert {d["id"] for d in r.json()["items"]} == expected
    for org, ids in by_org.items():
        for decision_id in ids:
            r = await client.get(f"{API}/access-decisions/{decision_id}", headers=caller)
            assert r.status_code == (200 if in_reach[org] else 404), (org, r.text)
    if own:
        assert reach is Reach.OWN
    r = await client.get(f"{API}/access-decisions", params={"format": "csv"}, headers=caller)
    assert len(r.text.strip().splitlines()) == 1 + len(expected)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_nobody_writes_decisions_over_the_api(
    client: AsyncClient, runtime: Runtime, role: Role
) -> None:
    caller, by_org, _ = await _decision_world(client, runtime, role, Resource.SITE_ACCESS_DECISIONS)
    item = f"{API}/access-decisions/{min(by_org['a1'])}"
    assert (await client.post(f"{API}/access-decisions", json={}, headers=caller)).status_code == 405
    assert (await client.patch(item, json={"decision": "Accepted"}, headers=caller)).status_code == 405
    assert (await client.delete(item, headers=caller)).status_code == 405
