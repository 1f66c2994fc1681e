"""Login, access tokens, personal API keys, and the audit log of who did what."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from tests.support.helpers import login, make_tree, make_user

API = "/api/v1"


async def test_login_rejects_bad_credentials_and_disabled_users(
    client: AsyncClient, runtime: Runtime
) -> None:
    await make_tree(runtime, {"acme": None})
    uid = await make_user(runtime, "u@acme.example", (Role.DRIVER, "acme"))
    await make_user(runtime, "admin@acme.example", (Role.ORG_ADMIN, "acme"))
    bad = await client.post(
        f"{API}/auth/token", data={"username": "u@acme.example", "password": "wrong-password"}
    )
    assert bad.status_code == 401 and bad.headers["content-type"].startswith("application/problem+json")
    unknown = await client.post(
        f"{API}/auth/token", data={"username": "nobody@acme.example", "password": "x"}
    )
    assert unknown.status_code == 401
    token = await login(client, "u@acme.example")
    admin = await login(client, "admin@acme.example")
    assert (
        await client.patch(f"{API}/users/{uid}", json={"is_active": False}, headers=admin)
    ).status_code == 200
    assert (await client.get(f"{API}/auth/me", headers=token)).status_code == 401  # token of a disabled login
    assert (
        await client.post(
            f"{API}/auth/token", data={"username": "u@acme.example", "password": "correct-horse-battery"}
        )
    ).status_code == 401
    garbage = await client.get(f"{API}/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert garbage.status_code == 401


async def test_api_key_authenticates_until_revoked(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, {"acme": None, "acme-a": "acme"})
    await make_user(runtime, "fm@acme.example", (Role.FLEET_MANAGER, "acme"))
    h = await login(client, "fm@acme.example")
    created = await client.post(f"{API}/auth/api-keys", json={"name": "erp sync"}, headers=h)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("ds_")
    listed = (await client.get(f"{API}/auth/api-keys", headers=h)).json()
    assert [k["name"] for k in listed] == ["erp sync"] and listed[0]["key"] is None  # secret shown once
    kh = {"Authorization": f"Bearer {key}"}
    orgs = (await client.get(f"{API}/organisations", headers=kh)).json()["items"]
    assert {o["key"] for o in orgs} == {"acme", "acme-a"}  # the key acts with its owner's scope
    assert (await client.get(f"{API}/auth/api-keys", headers=h)).json()[0]["last_used_at"] is not None
    tampered = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    assert (
        await client.get(f"{API}/organisations", headers={"Authorization": f"Bearer {tampered}"})
    ).status_code == 401
    assert (await client.delete(f"{API}/auth/api-keys/{created.json()['id']}", headers=h)).status_code == 204
    assert (await client.get(f"{API}/organisations", headers=kh)).status_code == 401


async def test_audit_log_records_writes_for_admins_of_the_subtree(
    client: AsyncClient, runtime: Runtime
) -> None:
    await make_tree(runtime, {"acme": None, "north": "acme", "south": "acme"})
    await make_user(runtime, "admin@north.example", (Role.ORG_ADMIN, "north"))
    await make_user(runtime, "admin@south.example", (Role.ORG_ADMIN, "south"))
    await make_user(runtime, "fm@north.example", (Role.FLEET_MANAGER, "north"))
    north = await login(client, "admin@north.example")
    r = await client.patch(f"{API}/organisations/north", json={"name": "ACME North GmbH"}, headers=north)
    assert r.status_code == 200
    entries = (await client.get(f"{API}/audit-log", params={"entity": "organisation"}, headers=north)).json()[
        "items"
    ]
    rename = next(e for e in entries if e["action"] == "update")
    assert rename["actor"] == "admin@north.example" and rename["org"] == "north"
    assert rename["before"]["name"] == "North" and rename["after"]["name"] == "ACME North GmbH"
    south = await login(client, "admin@south.example")
    south_entries = (await client.get(f"{API}/audit-log", headers=south)).json()["items"]
    assert all(e["org"] != "north" for e in south_entries)
    fm = await login(client, "fm@north.example")
    assert (await client.get(f"{API}/audit-log", headers=fm)).json()["items"] == []
    naive = await client.get(f"{API}/audit-log", params={"since": "2026-01-01T00:00:00"}, headers=north)
    assert naive.status_code == 422  # a time without offset is ambiguous
