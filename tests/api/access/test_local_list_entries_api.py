"""GET /api/v1/stations/{id}/local-list/entries: which tokens a station holds on its local list
(as it last confirmed them), by uid, in pages; scoped like the station."""

from __future__ import annotations

from datetime import UTC, datetime

from httpx import AsyncClient

from depotshare.domain.access.local_list import Entry
from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from depotshare.store.access.local_list_models import StationLocalList
from depotshare.store.access.local_lists import entry_json
from depotshare.store.sites.models import ChargingStation
from tests.support.helpers import login, make_tree, make_user

URL = "/api/v1/stations/HH-01/local-list/entries"
EXPIRY = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


async def test_entries_of_a_station_list_in_pages(client: AsyncClient, runtime: Runtime) -> None:
    await make_tree(runtime, {"host": None, "other": None})
    await make_user(runtime, "fac@host.example", (Role.FACILITY_MANAGER, "host"))
    await make_user(runtime, "fac@other.example", (Role.FACILITY_MANAGER, "other"))
    await make_user(runtime, "root@ops.example", (Role.PLATFORM_ADMIN, None))
    root = await login(client, "root@ops.example")
    for path, body in [
        ("locations", {"key": "depot", "org": "host", "name": "Depot"}),
        ("stations", {"id": "HH-01", "location": "depot"}),
    ]:
        assert (await client.post(f"/api/v1/{path}", json=body, headers=root)).status_code == 201
    host = await login(client, "fac@host.example")
    r = await client.get(URL, headers=host)
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next_cursor": None}  # never synchronised: nothing listed

    listed = [
        Entry("5A1F7002", "ISO14443", EXPIRY, "SWIFT", None),
        Entry("04A2B3C4", "ISO14443"),
        Entry("5A1F7001", "ISO14443", EXPIRY, "SWIFT", 1),
    ]
    async with runtime.uow() as uow:
        station = (await uow.session.execute(ChargingStation.__table__.select())).one()
        uow.session.add(
            StationLocalList(
                station_id=station.id, version=3, entries=[entry_json(e) for e in listed], entry_count=3
            )
        )
        await uow.commit()

    first = (await client.get(URL, headers=host, params={"limit": 2})).json()
    assert [e["uid"] for e in first["items"]] == ["04A2B3C4", "5A1F7001"]
    assert first["items"][1] == {
        "uid": "5A1F7001",
        "type": "ISO14443",
        "status": "Accepted",
        "expires_at": "2026-12-31T23:00:00Z",
        "group": "SWIFT",
        "charging_priority": 1,
    }
    rest = (await client.get(URL, headers=host, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [e["uid"] for e in rest["items"]] == ["5A1F7002"] and rest["next_cursor"] is None

    other = await login(client, "fac@other.example")
    assert (await client.get(URL, headers=other)).status_code == 404
    bad = await client.get(URL, headers=host, params={"cursor": "x"})
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]
