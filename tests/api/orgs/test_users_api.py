"""Logins and role assignments: one login for many organisations, and nobody can take over
an account that reaches further than they do."""

from __future__ import annotations

from httpx import AsyncClient, Response

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from tests.support.helpers import PASSWORD, login, make_tree, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding"}
API = "/api/v1"


async def test_one_login_reaches_several_organisations(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, {**TREE, "other": None})
    await make_user(
        runtime, "multi@x.example", (Role.FLEET_MANAGER, "north"), (Role.FACILITY_MANAGER, "south")
    )
    h = await login(client, "multi@x.example")
    keys = {o["key"] for o in (await client.get(f"{API}/organisations", headers=h)).json()["items"]}
    assert keys == {"north", "north-site", "south"}
    me = (await client.get(f"{API}/auth/me", headers=h)).json()
    assert {(r["role"], r["org"]) for r in me["roles"]} == {
        ("fleet_manager", "north"),
        ("facility_manager", "south"),
    }


async def _create_user(
    client: AsyncClient, headers: dict[str, str], email: str, name: str, *roles: dict[str, str]
) -> Response:
    body = {"email": email, "name": name, "password": PASSWORD, "roles": list(roles)}
    return await client.post(f"{API}/users", json=body, headers=headers)


async def test_org_admin_creates_users_only_inside_its_subtree(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@north.example", (Role.ORG_ADMIN, "north"))
    h = await login(client, "admin@north.example")
    ok = await _create_user(client, h, "Driver@North.example", "D", {"role": "driver", "org": "north-site"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["email"] == "driver@north.example"
    outside = await _create_user(client, h, "x@south.example", "X", {"role": "driver", "org": "south"})
    assert outside.status_code == 404  # south is not visible to this admin
    escalate = await _create_user(client, h, "p@x.example", "P", {"role": "platform_admin"})
    assert escalate.status_code == 403
    users = (await client.get(f"{API}/users", headers=h)).json()["items"]
    assert {u["email"] for u in users} == {"admin@north.example", "driver@north.example"}


async def test_subsidiary_admin_cannot_take_over_holding_account(
    client: AsyncClient, runtime: Runtime
) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@north.example", (Role.ORG_ADMIN, "north"))
    holding_fm = await make_user(
        runtime, "fm@holding.example", (Role.FLEET_MANAGER, "holding"), (Role.DRIVER, "north")
    )
    local = await make_user(runtime, "local@north.example", (Role.DRIVER, "north-site"))
    h = await login(client, "admin@north.example")
    # Visible (it has a role in north) but reaches further: may not be changed.
    seen = await client.get(f"{API}/users/{holding_fm}", headers=h)
    assert seen.status_code == 200
    assert [(r["role"], r["org"]) for r in seen.json()["roles"]] == [
        ("driver", "north")
    ]  # holding role hidden
    r = await client.patch(f"{API}/users/{holding_fm}", json={"password": "hijacked-password"}, headers=h)
    assert r.status_code == 403
    await login(client, "fm@holding.example")  # old password still works
    assert (await client.delete(f"{API}/users/{holding_fm}", headers=h)).status_code == 403
    # Fully inside: may be changed.
    r = await client.patch(
        f"{API}/users/{local}", json={"password": "new-password-1", "is_active": True}, headers=h
    )
    assert r.status_code == 200
    await login(client, "local@north.example", "new-password-1")


async def test_roles_are_granted_and_removed_within_reach(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    uid = await make_user(runtime, "u@x.example", (Role.DRIVER, "north"))
    h = await login(client, "admin@holding.example")
    r = await client.post(
        f"{API}/users/{uid}/roles", json={"role": "facility_manager", "org": "south"}, headers=h
    )
    assert r.status_code == 201
    again = await client.post(
        f"{API}/users/{uid}/roles", json={"role": "facility_manager", "org": "south"}, headers=h
    )
    assert len(again.json()["roles"]) == 2  # granting twice is a no-op
    fac = next(x for x in r.json()["roles"] if x["role"] == "facility_manager")
    u = await login(client, "u@x.example")
    assert (await client.get(f"{API}/organisations/south", headers=u)).status_code == 200
    r = await client.delete(f"{API}/users/{uid}/roles/{fac['id']}", headers=h)
    assert r.status_code == 200 and [x["role"] for x in r.json()["roles"]] == ["driver"]
    assert (await client.get(f"{API}/organisations/south", headers=u)).status_code == 404


async def test_unknown_users_and_outsiders_get_404(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, {**TREE, "other": None})
    await make_user(runtime, "admin@north.example", (Role.ORG_ADMIN, "north"))
    stranger = await make_user(runtime, "s@other.example", (Role.ORG_ADMIN, "other"))
    fm = await make_user(runtime, "fm@north.example", (Role.FLEET_MANAGER, "north"))
    h = await login(client, "admin@north.example")
    assert (await client.get(f"{API}/users/{stranger}", headers=h)).status_code == 404
    assert (await client.get(f"{API}/users/999999", headers=h)).status_code == 404
    f = await login(client, "fm@north.example")
    assert (await client.get(f"{API}/users", headers=f)).json()[
        "items"
    ] == []  # fleet managers manage no logins
    assert (await client.get(f"{API}/users/{fm}", headers=f)).status_code == 404


async def test_bad_user_input_names_the_field(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    await make_user(runtime, "admin@holding.example", (Role.ORG_ADMIN, "holding"))
    h = await login(client, "admin@holding.example")
    cases = [
        ({"email": "not-an-email", "name": "x", "password": PASSWORD, "roles": []}, "body.email"),
        ({"email": "a@b.example", "name": "x", "password": "short", "roles": []}, "body.password"),
        (
            {"email": "a@b.example", "name": "x", "roles": [{"role": "king", "org": "north"}]},
            "body.roles[0].role",
        ),
        ({"email": "a@b.example", "name": "x", "roles": [{"role": "driver"}]}, "roles[0].org"),
        ({"email": "a@b.example", "name": "x", "bogus": 1, "roles": []}, "body.bogus"),
    ]
    for body, field in cases:
        r = await client.post(f"{API}/users", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field
    dup = await client.post(
        f"{API}/users",
        json={"email": "ADMIN@holding.example", "name": "x", "roles": [{"role": "driver", "org": "north"}]},
        headers=h,
    )
    assert dup.status_code == 409
    emails = {u["email"] for u in (await client.get(f"{API}/users", headers=h)).json()["items"]}
    assert emails == {"admin@holding.example"}
