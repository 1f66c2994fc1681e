"""/api/v1/roaming-partners: platform admins manage the OCPI parties; the credentials token is
shown once and only its hash is kept; every write is audited without the token; nobody else may
see or touch them."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select

from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from depotshare.store.common.models import AuditEntry
from depotshare.store.roaming.models import RoamingPartner
from tests.ocpi.helpers import auth
from tests.support.helpers import login, make_tree, make_user

API = "/api/v1/roaming-partners"
BODY = {"key": "roam-x", "name": "Roaming Hub X", "country_code": "de", "party_id": "rhx"}


async def admin(client: AsyncClient, runtime: Runtime) -> dict[str, str]:
    await make_user(runtime, "ops@example.com", (Role.PLATFORM_ADMIN, None))
    return await login(client, "ops@example.com")


async def ocpi_status(client: AsyncClient, token: str) -> int:
    return (await client.get("/ocpi/2.2.1/locations", headers=auth(token))).status_code


async def test_admin_lifecycle(client: AsyncClient, runtime: Runtime) -> None:
    h = await admin(client, runtime)
    r = await client.post(API, json=BODY, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    token = created.pop("token")
    assert len(token) >= 40
    assert {k: created[k] for k in ("key", "country_code", "party_id", "role", "status")} == {
        "key": "roam-x",
        "country_code": "DE",
        "party_id": "RHX",
        "role": "EMSP",
        "status": "active",
    }
    assert await ocpi_status(client, token) == 200
    listed = (await client.get(API, headers=h)).json()
    assert [p["key"] for p in listed["items"]] == ["roam-x"] and "token" not in listed["items"][0]
    assert "token" not in (await client.get(f"{API}/roam-x", headers=h)).json()
    async with runtime.uow() as uow:
        stored = await uow.session.scalar(select(RoamingPartner.token_hash))
    assert stored is not None and token not in stored
    # A token of one's own choosing.
    r = await client.post(
        API,
        json={**BODY, "key": "nav", "party_id": "NAV", "role": "NSP", "token": "nav-token-123"},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["token"] == "nav-token-123"
    assert await ocpi_status(client, "nav-token-123") == 200
    # Conflicts and bad input.
    for body, status, detail in (
        (BODY, 409, "already exists"),
        ({**BODY, "key": "other"}, 409, "party_id: roaming partner 'roam-x' already is DE/RHX/EMSP"),
        ({**BODY, "key": "other", "party_id": "OTH", "token": "nav-token-123"}, 409, "token:"),
        ({**BODY, "key": "other", "country_code": "DEU"}, 422, "country_code"),
        ({**BODY, "key": "other", "token": "short"}, 422, "token"),
        ({**BODY, "key": "other", "role": "BANK"}, 422, "role"),
        ({**BODY, "key": "Other"}, 422, "key"),
    ):
        r = await client.post(API, json=body, headers=h)
        assert r.status_code == status and detail in r.json()["detail"], r.text
        assert r.headers["content-type"] == "application/problem+json"
    # Suspending refuses the token; reactivating lets it in again.
    r = await client.patch(f"{API}/roam-x", json={"status": "suspended", "name": "X"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "suspended" and r.json()["name"] == "X"
    assert await ocpi_status(client, token) == 401
    await client.patch(f"{API}/roam-x", json={"status": "active"}, headers=h)
    assert await ocpi_status(client, token) == 200
    # Replacing the token: the old one stops working at once.
    r = await client.patch(f"{API}/roam-x", json={"token": "rhx-second-token"}, headers=h)
    assert r.status_code == 200 and "token" not in r.json()
    assert (await ocpi_status(client, token), await ocpi_status(client, "rhx-second-token")) == (401, 200)
    r = await client.post(f"{API}/roam-x/token", headers=h)
    fresh = r.json()["token"]
    assert (await ocpi_status(client, "rhx-second-token"), await ocpi_status(client, fresh)) == (401, 200)
    assert (await client.patch(f"{API}/roam-x", json={"name": None}, headers=h)).status_code == 422
    assert (
        await client.patch(f"{API}/nav", json={"party_id": "RHX", "role": "EMSP"}, headers=h)
    ).status_code == 409
    # Deleting.
    assert (await client.delete(f"{API}/roam-x", headers=h)).status_code == 204
    assert await ocpi_status(client, fresh) == 401
    assert (await client.get(f"{API}/roam-x", headers=h)).status_code == 404
    # Every write is audited, never with the token.
    async with runtime.uow() as uow:
        rows = (
            await uow.session.execute(
                select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
                .where(AuditEntry.entity == "roaming_partner")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(a, e) for a, e, _, _ in rows] == [
        ("create", "roam-x"),
        ("create", "nav"),
        ("update", "roam-x"),
        ("update", "roam-x"),
        ("update", "roam-x"),
        ("update", "roam-x"),
        ("delete", "roam-x"),
    ]
    for secret in (token, "nav-token-123", "rhx-second-token", fresh):
        assert all(secret not in str(before) + str(after) for _, _, before, after in rows)
    assert rows[4][3]["token"] == "changed"


async def test_nobody_else_may_see_or_change_them(client: AsyncClient, runtime: Runtime) -> None:
    h = await admin(client, runtime)
    assert (await client.post(API, json=BODY, headers=h)).status_code == 201
    await make_tree(runtime, {"acme": None})
    for email, role in (
        ("admin@acme.example", Role.ORG_ADMIN),
        ("fleet@acme.example", Role.FLEET_MANAGER),
        ("facility@acme.example", Role.FACILITY_MANAGER),
        ("driver@acme.example", Role.DRIVER),
    ):
        await make_user(runtime, email, (role, "acme"))
        other = await login(client, email)
        for method, path, body in (
            ("GET", API, None),
            ("POST", API, {**BODY, "key": "mine", "party_id": "MIN"}),
            ("GET", f"{API}/roam-x", None),
            ("PATCH", f"{API}/roam-x", {"name": "taken"}),
            ("POST", f"{API}/roam-x/token", None),
            ("DELETE", f"{API}/roam-x", None),
        ):
            r = await client.request(method, path, json=body, headers=other)
            assert r.status_code in (403, 404), (email, method, path, r.status_code)
            assert "token" not in r.json() or r.status_code >= 400
    for method, path in (("GET", API), ("DELETE", f"{API}/roam-x")):
        assert (await client.request(method, path)).status_code == 401
    listed = (await client.get(API, headers=h)).json()["items"]
    assert [(p["key"], p["name"]) for p in listed] == [("roam-x", "Roaming Hub X")]
