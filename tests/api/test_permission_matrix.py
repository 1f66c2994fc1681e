"""The permission matrix, generated from the role table: every role x every resource family x
read/write, over the API. The caller holds its role on organisation `a`; each family has one object
in `a1` (a descendant: in reach), one in `b` (a sibling) and one in `h` (an ancestor), which are
never in reach. Expected answers come from ROLE_PERMISSIONS, not from this file. Charging sessions,
which only stations write, are read-only families checked from both sides (fleet and facility).

Each world is built once per module (`module_world`) with one caller per role, logged in once:
the cases that only read share it; a writing case changes objects of its own, made for it inside
the world (suffix `w<role>`), or starts from an empty database where its world must stay exact. A
writing case of a role the table lets write nothing there sends only writes that must be refused:
it addresses the shared objects (a write that went through fails it, and a failed case's world is
dropped before the next case)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.orgs.roles import ROLE_PERMISSIONS, Action, Reach, Resource, Role
from depotshare.services.runtime import Runtime
from tests.conftest import ModuleWorld
from tests.support.charging_rows import add_session
from tests.support.helpers import PASSWORD, login, make_tree, make_user
from tests.support.partner_world import decide

API = "/api/v1"
# p0..p2 and pnew are partner companies (other customers) for the partnerships of a1, b and h.
TREE = {"h": None, "a": "h", "a1": "a", "b": "h", "p0": None, "p1": None, "p2": None, "pnew": None}
ADMIN = "root@example.com"


def _caller(role: Role) -> str:
    """The user holding `role` on `a` (everywhere for the platform admin)."""
    return f"caller-{role.value.replace('_', '-')}@example.com"


def _tag(role: Role) -> str:
    """The suffix of the objects a writing case of `role` makes for itself."""
    return f"w{list(Role).index(role)}"


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


def _may_change(role: Role, resource: Resource, action: Action) -> bool:
    """Whether a case's writes may go through: only then does it need objects of its own."""
    return action is Action.WRITE and (
        role is Role.PLATFORM_ADMIN or _reach(role, resource, Action.WRITE) is not None
    )


@dataclass
class Base:
    """The tree, the platform admin and one caller per role, each logged in once."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    objects: dict[Resource, dict[str, Any]] = field(default_factory=dict)  # family -> org -> object

    def caller(self, role: Role) -> dict[str, str]:
        return self.headers[_caller(role)]


async def _base(client: AsyncClient, runtime: Runtime, roles: Sequence[Role] = tuple(Role)) -> Base:
    """With the callers of `roles` (every role for a shared world, one for a case's own)."""
    await make_tree(runtime, TREE)
    await make_user(runtime, ADMIN, (Role.PLATFORM_ADMIN, None))
    for role in roles:
        await make_user(runtime, _caller(role), (role, None if role is Role.PLATFORM_ADMIN else "a"))
    emails = [ADMIN, *(_caller(role) for role in roles)]
    return Base({email: await login(client, email) for email in emails})


async def _create(
    client: AsyncClient, admin: dict[str, str], resource: Resource, org: str, suffix: str, **extra: Any
) -> dict[str, Any]:
    fam = FAMILIES[resource]
    r = await client.post(f"{API}/{fam.collection}", json={**fam.create(org, suffix), **extra}, headers=admin)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def _family_objects(
    client: AsyncClient, runtime: Runtime, admin: dict[str, str], resource: Resource, tag: str = ""
) -> dict[str, dict[str, Any]]:
    """One object of the family in a1, b and h (suffixes 0, 1, 2, then `tag`)."""
    if resource is Resource.PARTNERSHIPS and tag:  # a partnership of its own needs partners of its own
        await make_tree(runtime, {f"p{i}{tag}": None for i in ("0", "1", "2", "new")})
    return {
        org: await _create(client, admin, resource, org, f"{i}{tag}")
        for i, org in enumerate(("a1", "b", "h"))
    }


async def _families_world(client: AsyncClient, runtime: Runtime) -> Base:
    """Every family's objects in a1, b and h; a station's location `loc-<org>-base`; the driver's
    own card: a token in a1 tied to the driver's employee record."""
    world = await _base(client, runtime)
    admin = world.headers[ADMIN]
    for org in ("a1", "b", "h"):
        body = {"key": f"loc-{org}-base", "org": org, "name": "Base", "timezone": "UTC"}
        assert (await client.post(f"{API}/locations", json=body, headers=admin)).status_code == 201
    for resource in FAMILIES:
        world.objects[resource] = await _family_objects(client, runtime, admin, resource)
    body = {"key": "emp-me", "org": "a1", "name": "Me", "user": _caller(Role.DRIVER)}
    assert (await client.post(f"{API}/employees", json=body, headers=admin)).status_code == 201
    world.objects[Resource.TOKENS]["own"] = await _create(
        client, admin, Resource.TOKENS, "a1", "own", employee="emp-me"
    )
    return world


@pytest.mark.parametrize(
    ("role", "resource", "action"), CASES, ids=[f"{r.value}-{s.value}-{a.value}" for r, s, a in CASES]
)
async def test_matrix(
    client: AsyncClient,
    runtime: Runtime,
    module_world: ModuleWorld,
    role: Role,
    resource: Resource,
    action: Action,
) -> None:
    world = await module_world("families", lambda: _families_world(client, runtime))
    caller, admin = world.caller(role), world.headers[ADMIN]
    fam = FAMILIES[resource]
    tag = _tag(role) if _may_change(role, resource, action) else ""
    objects = dict(world.objects[resource])
    shared_own = objects.pop("own", None)
    if tag:  # a case whose writes may go through changes objects of its own
        objects = await _family_objects(client, runtime, admin, resource, tag)
    everywhere = role is Role.PLATFORM_ADMIN
    reach = _reach(role, resource, action)
    read_reach = _reach(role, resource, Action.READ)
    in_reach = {"a1": reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    readable = {"a1": read_reach is Reach.SUBTREE, "b": everywhere, "h": everywhere}
    own = shared_own if resource is Resource.TOKENS and role is Role.DRIVER else None

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
            after = await client.get(path, headers=admin)
            assert all(after.json().get(k) != v for k, v in fam.change.items()), after.json()
    for org in ("a1", "b"):
        r = await client.post(f"{API}/{fam.collection}", json=fam.create(org, f"new{tag}"), headers=caller)
        if org == "a1":
            assert r.status_code == (201 if in_reach[org] else 403), (org, r.text)
        else:
            assert r.status_code == (201 if everywhere else 404), (org, r.text)
    if own is not None:  # a driver may not change even its own card
        assert (
            await client.patch(f"{API}/tokens/{own['uid']}", json={"label": "x"}, headers=caller)
        ).status_code == 403


# The fleet side's cases before the facility side's (grouped so that each side's world is built
# once); the driver's fleet-side case reads a world with its own session too.
SESSION_CASES = [(role, res) for res in SESSION_SIDES for role in Role]


async def _session_world(client: AsyncClient, runtime: Runtime, resource: Resource, own: bool) -> Base:
    """One session per organisation a1, b, h on the family's side (objects[resource]: org -> id);
    with `own`, also one of the driver's own (a1, its employee record; under "own")."""
    world = await _base(client, runtime)
    admin = world.headers[ADMIN]
    for org in ("a1", "b", "h"):
        for path, body in (
            ("locations", {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}),
            ("stations", {"id": f"ST-{org}", "location": f"loc-{org}"}),
        ):
            r = await client.post(f"{API}/{path}", json=body, headers=admin)
            assert r.status_code == 201, r.text
    sessions: dict[str, Any] = {}
    for org in ("a1", "b", "h"):
        if SESSION_SIDES[resource] == "token_org":  # a card of `org` charged at h's depot
            sessions[org] = await add_session(runtime, station="ST-h", owner_org="h", token_org=org)
        else:  # h's card charged at `org`'s depot
            sessions[org] = await add_session(runtime, station=f"ST-{org}", owner_org=org, token_org="h")
    if own:
        body = {"key": "emp-me", "org": "a1", "name": "Me", "user": _caller(Role.DRIVER)}
        assert (await client.post(f"{API}/employees", json=body, headers=admin)).status_code == 201
        sessions["own"] = await add_session(
            runtime, station="ST-h", owner_org="h", token_org="a1", employee="emp-me"
        )
    world.objects[resource] = sessions
    return world


async def _sessions_for(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, resource: Resource
) -> tuple[dict[str, str], dict[str, int], int | None]:
    """(caller, org -> session id, own id): a driver on the fleet side has a session of its own."""
    own = role is Role.DRIVER and resource is Resource.SESSIONS
    world = await module_world(
        f"sessions-{resource.value}-{own}", lambda: _session_world(client, runtime, resource, own)
    )
    sessions = dict(world.objects[resource])
    own_id = sessions.pop("own", None)
    return world.caller(role), sessions, own_id


@pytest.mark.parametrize(
    ("role", "resource"), SESSION_CASES, ids=[f"{r.value}-{s.value}-read" for r, s in SESSION_CASES]
)
async def test_session_matrix(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, resource: Resource
) -> None:
    caller, sessions, own = await _sessions_for(client, runtime, module_world, role, resource)
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
async def test_nobody_writes_sessions_over_the_api(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role
) -> None:
    caller, sessions, _ = await _sessions_for(client, runtime, module_world, role, Resource.SITE_SESSIONS)
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


async def _partnerships(
    client: AsyncClient, runtime: Runtime, admin: dict[str, str], host_side: bool, tag: str = ""
) -> dict[str, str]:
    """One partnership with one grant `g` per organisation a1, b, h: hosted by it (host side), or
    naming it as the partner of the outside company p0 (partner side); with `tag`, with a partner
    company of its own (p0<tag>). Returns org -> ref."""
    outside = f"p0{tag}"
    if tag:
        await make_tree(runtime, {outside: None})
    refs = {}
    for org in ("a1", "b", "h"):
        host, partner = (org, outside) if host_side else (outside, org)
        body = {"key": f"ps-{org}{tag}", "host": host, "partner": partner}
        r = await client.post(f"{API}/partnerships", json=body, headers=admin)
        assert r.status_code == 201, r.text
        refs[org] = r.json()["ref"]
        grant = {"key": "g", "locations": [f"loc-{host}"]}
        r = await client.post(f"{API}/partnerships/{refs[org]}/grants", json=grant, headers=admin)
        assert r.status_code == 201, r.text
    return refs


async def _partner_world(
    client: AsyncClient, runtime: Runtime, host_side: bool, roles: Sequence[Role] = tuple(Role)
) -> Base:
    """A depot `loc-<org>` for a1, b, h and p0; the partnerships of one side (objects: org -> ref)."""
    world = await _base(client, runtime, roles)
    admin = world.headers[ADMIN]
    for org in ("a1", "b", "h", "p0"):
        body = {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}
        assert (await client.post(f"{API}/locations", json=body, headers=admin)).status_code == 201
    resource = Resource.GRANTS if host_side else Resource.PARTNER_ACCESS
    world.objects[resource] = await _partnerships(client, runtime, admin, host_side)
    return world


# Every role's reading case, then the writing ones: the reading cases share one world.
PARTNER_CASES = [(role, act) for act in Action for role in Role]


@pytest.mark.parametrize(
    ("role", "action"), PARTNER_CASES, ids=[f"{r.value}-{a.value}" for r, a in PARTNER_CASES]
)
async def test_grant_matrix(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, action: Action
) -> None:
    world = await module_world("host-side", lambda: _partner_world(client, runtime, host_side=True))
    caller = world.caller(role)
    refs: dict[str, str] = world.objects[Resource.GRANTS]
    if _may_change(role, Resource.GRANTS, action):  # partnerships and a partner company of its own
        refs = await _partnerships(client, runtime, world.headers[ADMIN], True, _tag(role))
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
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, action: Action
) -> None:
    """The partner side reads the partnerships naming its subtree as partner, and their grants;
    nobody writes through it (the host is p0, outside every caller's reach). The list is compared
    whole, so a case whose writes may go through takes a database of its own."""
    if _may_change(role, Resource.PARTNER_ACCESS, action):
        await module_world.own_database()
        world = await _partner_world(client, runtime, host_side=False, roles=[role])
    else:
        world = await module_world("partner-side", lambda: _partner_world(client, runtime, host_side=False))
    caller = world.caller(role)
    refs: dict[str, str] = world.objects[Resource.PARTNER_ACCESS]
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
    client: AsyncClient, runtime: Runtime, roles: Sequence[Role] = tuple(Role)
) -> Base:
    """One internal grant `g` per organisation a1, b, h, for its own fleet at its own depot
    (objects[GRANTS]: org -> grant id)."""
    world = await _base(client, runtime, roles)
    admin = world.headers[ADMIN]
    ids = {}
    for org in ("a1", "b", "h"):
        body = {"key": f"loc-{org}", "org": org, "name": "Depot", "timezone": "UTC"}
        assert (await client.post(f"{API}/locations", json=body, headers=admin)).status_code == 201
        grant = {"host": org, "key": "g", "locations": [f"loc-{org}"]}
        r = await client.post(f"{API}/internal-grants", json=grant, headers=admin)
        assert r.status_code == 201, r.text
        ids[org] = r.json()["id"]
    world.objects[Resource.GRANTS] = ids
    return world


@pytest.mark.parametrize(
    ("role", "action"), PARTNER_CASES, ids=[f"{r.value}-{a.value}" for r, a in PARTNER_CASES]
)
async def test_internal_grant_matrix(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, action: Action
) -> None:
    """Internal grants are the host side's `grants` family: by HOST:KEY, by id, and in the list.
    The list is compared whole, so a case whose writes may go through takes a database of its own."""
    if _may_change(role, Resource.GRANTS, action):
        await module_world.own_database()
        world = await _internal_grant_world(client, runtime, roles=[role])
    else:
        world = await module_world("internal-grants", lambda: _internal_grant_world(client, runtime))
    caller = world.caller(role)
    ids: dict[str, int] = world.objects[Resource.GRANTS]
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

# The token side's cases before the location side's, each side's world built once; the driver's
# token-side case reads a world with decisions about its own card too.
DECISION_CASES = [(role, res) for res in DECISION_SIDES for role in Role]


async def _decision_world(client: AsyncClient, runtime: Runtime, resource: Resource, own: bool) -> Base:
    """Decisions per organisation a1, b, h on the family's side: a card of `org` at h's station
    (token side) or h's card at `org`'s station (location side); with `own`, also one about the
    driver's own card. objects[resource]: org -> decision ids, "own" -> the own ones."""
    world = await _base(client, runtime)
    admin = world.headers[ADMIN]
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
    if own:
        body = {"key": "emp-me", "org": "a1", "name": "Me", "user": _caller(Role.DRIVER)}
        assert (await client.post(f"{API}/employees", json=body, headers=admin)).status_code == 201
        body = {"uid": uids["own"], "org": "a1", "employee": "emp-me"}
        assert (await client.post(f"{API}/tokens", json=body, headers=admin)).status_code == 201
        await decide(runtime, "ST-h", uids["own"], at, evse=None)
    everything = (await client.get(f"{API}/access-decisions", params={"limit": 500}, headers=admin)).json()[
        "items"
    ]
    by_org: dict[str, set[int]] = {org: set() for org in ("a1", "b", "h", "own")}
    for d in everything:
        if d["id_token"] == uids["own"]:
            by_org["own"].add(d["id"])
        elif DECISION_SIDES[resource] == "token":
            by_org[next(o for o in ("a1", "b", "h") if uids[o] == d["id_token"])].add(d["id"])
        else:
            by_org[d["location"].removeprefix("loc-")].add(d["id"])
    world.objects[resource] = by_org
    return world


async def _decisions_for(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, resource: Resource
) -> tuple[dict[str, str], dict[str, set[int]], set[int]]:
    """(caller, org -> decision ids, own ids): a driver on the token side has decisions of its own."""
    own = role is Role.DRIVER and resource is Resource.ACCESS_DECISIONS
    world = await module_world(
        f"decisions-{resource.value}-{own}", lambda: _decision_world(client, runtime, resource, own)
    )
    by_org = dict(world.objects[resource])
    own_ids = by_org.pop("own")
    return world.caller(role), by_org, own_ids


@pytest.mark.parametrize(
    ("role", "resource"), DECISION_CASES, ids=[f"{r.value}-{s.value}-read" for r, s in DECISION_CASES]
)
async def test_decision_matrix(
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role, resource: Resource
) -> None:
    caller, by_org, own = await _decisions_for(client, runtime, module_world, role, resource)
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
    client: AsyncClient, runtime: Runtime, module_world: ModuleWorld, role: Role
) -> None:
    caller, by_org, _ = await _decisions_for(
        client, runtime, module_world, role, Resource.SITE_ACCESS_DECISIONS
    )
    item = f"{API}/access-decisions/{min(by_org['a1'])}"
    assert (await client.post(f"{API}/access-decisions", json={}, headers=caller)).status_code == 405
    assert (await client.patch(item, json={"decision": "Accepted"}, headers=caller)).status_code == 405
    assert (await client.delete(item, headers=caller)).status_code == 405
