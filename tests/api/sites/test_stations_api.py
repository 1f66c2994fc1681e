"""Charging stations over the API: round trips with EVSEs and connectors, the nested EVSE
endpoints, filters and pages, reach by role, audit entries, and bad input that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import security
from depotshare.services.runtime import Runtime
from depotshare.store.common.models import AuditEntry
from depotshare.store.sites.models import ChargingStation, Connector, Evse
from tests.api.sites.world import make_sites_world
from tests.support.helpers import assert_refused, every_page, login, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding"}
API = "/api/v1/stations"
T2_COMBO = {"id": 1, "standard": "IEC_62196_T2_COMBO", "max_kw": 150}
STATION: dict[str, Any] = {
    "id": "HH-01",
    "location": "depot-hamburg",
    "password": "station-secret-1",
    "vendor": "ABB",
    "model": "Terra 184",
    "evses": [
        {"id": 1, "connectors": [T2_COMBO]},
        {"id": 2, "connectors": [T2_COMBO, {"id": 2, "standard": "CHADEMO", "max_kw": "50.5"}]},
    ],
}


async def _setup(client: AsyncClient, runtime: Runtime) -> None:
    await make_sites_world(runtime, TREE)
    admin = await login(client, "admin@holding.example")
    for key, org in [("depot-hamburg", "north-site"), ("depot-kiel", "north"), ("depot-munich", "south")]:
        body = {"key": key, "org": org, "name": key.title(), "timezone": "Europe/Berlin"}
        r = await client.post("/api/v1/locations", json=body, headers=admin)
        assert r.status_code == 201, r.text


async def _ids(client: AsyncClient, headers: dict[str, str], **params: Any) -> set[str]:
    r = await client.get(API, headers=headers, params=params)
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()["items"]}


async def _counts(runtime: Runtime) -> tuple[int, int, int, int]:
    async with runtime.uow() as uow:
        s = uow.session
        return (
            await s.scalar(select(func.count()).select_from(ChargingStation)) or 0,
            await s.scalar(select(func.count()).select_from(Evse)) or 0,
            await s.scalar(select(func.count()).select_from(Connector)) or 0,
            await s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


async def _station_audit(client: AsyncClient, headers: dict[str, str], entity: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/audit-log", headers=headers, params={"entity": entity})
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["items"]
    return entries


async def test_round_trip(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    h = await login(client, "fac@north.example")
    r = await client.post(API, json=STATION, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert "password" not in created and created["has_password"] is True
    assert (
        created["id"] == "HH-01" and created["location"] == "depot-hamburg" and created["org"] == "north-site"
    )
    assert created["vendor"] == "ABB" and created["serial_number"] is None
    assert created["evses"] == [
        {"id": 1, "connectors": [{"id": 1, "standard": "IEC_62196_T2_COMBO", "max_kw": "150.00"}]},
        {
            "id": 2,
            "connectors": [
                {"id": 1, "standard": "IEC_62196_T2_COMBO", "max_kw": "150.00"},
                {"id": 2, "standard": "CHADEMO", "max_kw": "50.50"},
            ],
        },
    ]
    assert (await client.get(f"{API}/HH-01", headers=h)).json() == created
    async with runtime.uow() as uow:
        station = await uow.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == "HH-01"))
        assert station is not None and security.verify_password(station.password_hash, "station-secret-1")

    body = {"firmware_version": "1.2.3", "password": None, "evses": [{"id": 2, "connectors": [T2_COMBO]}]}
    r = await client.patch(f"{API}/HH-01", json=body, headers=h)
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["has_password"] is False and patched["firmware_version"] == "1.2.3"
    assert patched["vendor"] == "ABB" and patched["evses"] == [
        {"id": 2, "connectors": [created["evses"][0]["connectors"][0]]}
    ]
    assert (await client.get(f"{API}/HH-01", headers=h)).json() == patched

    assert (await client.delete(f"{API}/HH-01", headers=h)).status_code == 204
    assert (await client.get(f"{API}/HH-01", headers=h)).status_code == 404
    stations, evses, connectors, _ = await _counts(runtime)
    assert (stations, evses, connectors) == (0, 0, 0)


async def test_evse_endpoints(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    h = await login(client, "fac@north.example")
    assert (await client.post(API, json={**STATION, "evses": []}, headers=h)).status_code == 201
    evses = f"{API}/HH-01/evses"
    assert (await client.get(evses, headers=h)).json() == []

    r = await client.post(evses, json={"id": 1, "connectors": [T2_COMBO]}, headers=h)
    assert r.status_code == 201 and r.json()["connectors"][0]["max_kw"] == "150.00"
    r = await client.post(evses, json={"id": 1, "connectors": [T2_COMBO]}, headers=h)
    assert r.status_code == 409 and "id" in r.json()["detail"]
    r = await client.post(evses, json={"id": 3, "connectors": [{"id": 1, "standard": "GBT_DC"}]}, headers=h)
    assert r.status_code == 201 and r.json()["connectors"] == [
        {"id": 1, "standard": "GBT_DC", "max_kw": None}
    ]

    # Connectors are replaced as a whole.
    new = [{"id": 2, "standard": "IEC_62196_T2", "max_kw": 22}, {"id": 3, "standard": "DOMESTIC_F"}]
    r = await client.patch(f"{evses}/1", json={"connectors": new}, headers=h)
    assert r.status_code == 200, r.text
    assert [(c["id"], c["standard"]) for c in r.json()["connectors"]] == [
        (2, "IEC_62196_T2"),
        (3, "DOMESTIC_F"),
    ]
    r = await client.patch(f"{evses}/1", json={"id": 3, "connectors": new}, headers=h)
    assert r.status_code == 409
    r = await client.patch(f"{evses}/1", json={"id": 2, "connectors": new}, headers=h)
    assert r.status_code == 200 and r.json()["id"] == 2
    assert [e["id"] for e in (await client.get(evses, headers=h)).json()] == [2, 3]

    assert (await client.delete(f"{evses}/3", headers=h)).status_code == 204
    assert (await client.delete(f"{evses}/3", headers=h)).status_code == 404
    assert (await client.patch(f"{evses}/9", json={"connectors": [T2_COMBO]}, headers=h)).status_code == 404
    assert (await client.get(f"{API}/HH-01", headers=h)).json()["evses"] == [
        {
            "id": 2,
            "connectors": [
                {"id": 2, "standard": "IEC_62196_T2", "max_kw": "22.00"},
                {"id": 3, "standard": "DOMESTIC_F", "max_kw": None},
            ],
        }
    ]
    assert (await _counts(runtime))[1:3] == (1, 2)

    admin = await login(client, "admin@holding.example")
    actions = [(e["action"], e["entity_id"]) for e in await _station_audit(client, admin, "evse")]
    assert actions == [
        ("delete", "HH-01/3"),
        ("update", "HH-01/1"),
        ("update", "HH-01/1"),
        ("create", "HH-01/3"),
        ("create", "HH-01/1"),
    ]


async def test_filters_and_pages(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    h = await login(client, "admin@holding.example")
    for station_id, location in [
        ("HH-01", "depot-hamburg"),
        ("HH-02", "depot-hamburg"),
        ("KI-01", "depot-kiel"),
        ("MU-01", "depot-munich"),
        ("MU-02", "depot-munich"),
    ]:
        r = await client.post(API, json={"id": station_id, "location": location}, headers=h)
        assert r.status_code == 201, r.text
    assert await _ids(client, h, org="north") == {"HH-01", "HH-02", "KI-01"}
    assert await _ids(client, h, org="south") == {"MU-01", "MU-02"}
    assert await _ids(client, h, location="depot-hamburg") == {"HH-01", "HH-02"}
    assert await _ids(client, h, q="mu-") == {"MU-01", "MU-02"}
    assert await _ids(client, h, q="01", org="north") == {"HH-01", "KI-01"}
    assert (await client.get(API, headers=h, params={"location": "nowhere"})).status_code == 404

    seen = [s["id"] for s in await every_page(client, API, h, limit=2)]
    assert seen == ["HH-01", "HH-02", "KI-01", "MU-01", "MU-02"]


async def test_reach_follows_roles(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    north = await login(client, "fac@north.example")
    assert (await client.post(API, json=STATION, headers=north)).status_code == 201
    url = f"{API}/HH-01"

    for who in ("fac@south.example", "fleet@north.example"):
        h = await login(client, who)
        assert await _ids(client, h) == set()
        assert (await client.get(url, headers=h)).status_code == 404
        assert (await client.patch(url, json={"vendor": "x"}, headers=h)).status_code == 404
        assert (await client.delete(url, headers=h)).status_code == 404
        assert (await client.get(f"{url}/evses", headers=h)).status_code == 404
        r = await client.post(f"{url}/evses", json={"id": 5, "connectors": [T2_COMBO]}, headers=h)
        assert r.status_code == 404
        assert (await client.delete(f"{url}/evses/1", headers=h)).status_code == 404
    # Someone else's location is unknown to a facility manager of a sibling organisation.
    south = await login(client, "fac@south.example")
    r = await client.post(API, json={"id": "X-1", "location": "depot-hamburg"}, headers=south)
    assert r.status_code == 404 and "depot-hamburg" in r.json()["detail"]
    # A fleet manager knows its own organisations but may not add chargers there.
    fleet = await login(client, "fleet@north.example")
    r = await client.post(API, json={"id": "X-1", "location": "depot-hamburg"}, headers=fleet)
    assert r.status_code == 403

    parent = await login(client, "fac@holding.example")
    assert await _ids(client, parent) == {"HH-01"}
    r = await client.patch(url, json={"vendor": "Alpitronic"}, headers=parent)
    assert r.status_code == 200 and r.json()["vendor"] == "Alpitronic"


async def test_move_needs_write_on_both_locations(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    await make_user(
        runtime, "mixed@example.example", (Role.FACILITY_MANAGER, "north"), (Role.FACILITY_MANAGER, "south")
    )
    north = await login(client, "fac@north.example")
    assert (await client.post(API, json=STATION, headers=north)).status_code == 201
    url = f"{API}/HH-01"
    r = await client.patch(url, json={"location": "depot-munich"}, headers=north)
    assert r.status_code == 404 and "depot-munich" in r.json()["detail"]
    south = await login(client, "fac@south.example")
    assert (await client.patch(url, json={"location": "depot-munich"}, headers=south)).status_code == 404

    mixed = await login(client, "mixed@example.example")
    r = await client.patch(url, json={"location": "depot-munich"}, headers=mixed)
    assert r.status_code == 200 and r.json()["location"] == "depot-munich" and r.json()["org"] == "south"
    assert (await client.get(url, headers=north)).status_code == 404
    assert (await client.get(url, headers=south)).json()["evses"] == r.json()["evses"]


async def test_writes_are_audited_without_secrets(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    h = await login(client, "fac@north.example")
    admin = await login(client, "admin@holding.example")
    assert (await client.post(API, json=STATION, headers=h)).status_code == 201
    body = {"password": "another-secret-2", "serial_number": "SN-1"}
    assert (await client.patch(f"{API}/HH-01", json=body, headers=h)).status_code == 200
    assert (await client.delete(f"{API}/HH-01", headers=h)).status_code == 204

    delete, update, create = await _station_audit(client, admin, "station")
    assert [create["action"], update["action"], delete["action"]] == ["create", "update", "delete"]
    assert {e["org"] for e in (create, update, delete)} == {"north-site"}
    assert create["after"]["evses"][1]["connectors"][1] == {"id": 2, "standard": "CHADEMO", "max_kw": "50.50"}
    assert update["after"]["password"] == "changed" and update["after"]["serial_number"] == "SN-1"
    assert delete["before"]["id"] == "HH-01"
    text = str([create, update, delete])
    assert "argon2" not in text and "station-secret-1" not in text and "another-secret-2" not in text


def _evse(*connectors: dict[str, Any], evse_id: int = 1) -> dict[str, Any]:
    return {"id": evse_id, "connectors": list(connectors)}


BAD_CREATES = [
    ({"id": "HH/01"}, 422, "body.id"),
    ({"id": ""}, 422, "body.id"),
    ({"password": "short"}, 422, "body.password"),
    ({"location": "nowhere"}, 404, "nowhere"),
    ({"location": None}, 422, "body.location"),
    ({"vendor": "v" * 51}, 422, "body.vendor"),
    ({"has_password": True}, 422, "body.has_password"),
    ({"evses": [_evse(T2_COMBO), _evse(T2_COMBO)]}, 422, "evses[1].id"),
    ({"evses": [_evse(T2_COMBO, T2_COMBO)]}, 422, "evses[0].connectors[1].id"),
    ({"evses": [_evse()]}, 422, "body.evses[0].connectors"),
    ({"evses": [_evse(T2_COMBO, evse_id=0)]}, 422, "body.evses[0].id"),
    ({"evses": [_evse({**T2_COMBO, "standard": "TYPE_2"})]}, 422, "body.evses[0].connectors[0].standard"),
    ({"evses": [_evse({**T2_COMBO, "max_kw": -1})]}, 422, "body.evses[0].connectors[0].max_kw"),
    ({"evses": [_evse({**T2_COMBO, "max_kw": "7.125"})]}, 422, "evses[0].connectors[0].max_kw"),
    ({"evses": [_evse({**T2_COMBO, "id": 2**31})]}, 422, "body.evses[0].connectors[0].id"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_CREATES)
async def test_bad_create_writes_nothing(
    client: AsyncClient, runtime: Runtime, change: dict[str, Any], status: int, field: str
) -> None:
    await _setup(client, runtime)
    h = await login(client, "fac@north.example")
    counts = await _counts(runtime)
    r = await client.post(API, json={**STATION, **change}, headers=h)
    assert_refused(r, status, field)  # a location out of reach is as good as absent: named in the detail
    assert await _counts(runtime) == counts


async def test_bad_changes_write_nothing(client: AsyncClient, runtime: Runtime) -> None:
    await _setup(client, runtime)
    h = await login(client, "fac@north.example")
    assert (await client.post(API, json=STATION, headers=h)).status_code == 201
    url = f"{API}/HH-01"
    before = (await client.get(url, headers=h)).json()
    counts = await _counts(runtime)

    r = await client.post(API, json={**STATION, "location": "depot-kiel"}, headers=h)
    assert r.status_code == 409 and "id" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    for body, field in [
        ({"vendor": "X", "evses": [_evse(T2_COMBO), _evse(T2_COMBO)]}, "evses[1].id"),
        ({"vendor": "X", "password": "short"}, "body.password"),
        ({"vendor": "X", "id": "HH-02"}, "body.id"),
    ]:
        r = await client.patch(url, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field
    assert (
        await client.patch(url, json={"vendor": "X", "location": "nowhere"}, headers=h)
    ).status_code == 404
    evses = f"{url}/evses"
    r = await client.post(evses, json=_evse(T2_COMBO, T2_COMBO, evse_id=7), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "connectors[1].id"
    r = await client.patch(f"{evses}/1", json={"connectors": [{**T2_COMBO, "standard": "x"}]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.connectors[0].standard"
    r = await client.patch(f"{evses}/1", json={"connectors": []}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.connectors"
    assert (await client.patch(f"{evses}/0", json={"connectors": [T2_COMBO]}, headers=h)).status_code == 422
    assert (await client.get(url, headers=h)).json() == before
    assert await _counts(runtime) == counts
