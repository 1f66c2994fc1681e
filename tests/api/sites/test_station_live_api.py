"""Stations' live state over the API: connection and online rule in the view and as list filters,
accepting a pending station (facility write, audited), the current connector status with its open
session, the status history in pages, newest first; and which unknown stations a location admits
as pending (admit_station_prefix over the API, in the import and the export)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from depotshare.config import Settings
from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.setup import read_text
from depotshare.services.runtime import Runtime
from depotshare.services.setup import exporter, importer
from depotshare.store.sites.models import Location
from tests.api.sites.world import make_sites, make_sites_world
from tests.support.charging_rows import add_session, add_status, set_live
from tests.support.helpers import SYSTEM, every_page, login

API = "/api/v1/stations"
TREE = {"holding": None, "north": "holding", "south": "holding"}


def t(minute: int) -> datetime:
    return datetime(2026, 3, 1, 10, minute, tzinfo=UTC)


@pytest.fixture
async def world(client: AsyncClient, runtime: Runtime) -> None:
    await make_sites_world(runtime, TREE)
    places = {"depot-hamburg": ("north", ["HH-01", "HH-02", "HH-03"]), "depot-munich": ("south", ["MU-01"])}
    await make_sites(runtime, places)


async def _ids(client: AsyncClient, headers: dict[str, str], **params: Any) -> set[str]:
    r = await client.get(API, headers=headers, params=params)
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()["items"]}


async def test_a_new_station_has_never_connected(client: AsyncClient, world: None) -> None:
    fac = await login(client, "fac@north.example")
    s = (await client.get(f"{API}/HH-01", headers=fac)).json()
    assert {k: s[k] for k in ("registration_status", "protocol", "connected", "online")} == {
        "registration_status": "accepted",
        "protocol": None,
        "connected": False,
        "online": False,
    }
    assert s["connected_at"] is s["last_seen_at"] is s["last_boot_at"] is None


async def test_online_is_connected_and_recently_heard(
    client: AsyncClient, runtime: Runtime, settings: Settings, world: None
) -> None:
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=2 * settings.heartbeat_interval_s + 60)
    await set_live(
        runtime,
        "HH-01",
        protocol="ocpp1.6",
        connected=True,
        connected_at=now - timedelta(hours=1),
        last_seen_at=now - timedelta(seconds=5),
        last_boot_at=now - timedelta(hours=1),
    )
    await set_live(runtime, "HH-02", protocol="ocpp2.0.1", connected=True, last_seen_at=stale)  # silent
    await set_live(runtime, "HH-03", protocol="ocpp1.6", connected=False, last_seen_at=now)  # gone
    fac = await login(client, "fac@north.example")
    views = {s["id"]: s for s in (await client.get(API, headers=fac)).json()["items"]}
    assert (views["HH-01"]["connected"], views["HH-01"]["online"]) == (True, True)
    assert views["HH-01"]["protocol"] == "ocpp1.6" and views["HH-01"]["last_boot_at"] is not None
    assert (views["HH-02"]["connected"], views["HH-02"]["online"]) == (True, False)
    assert (views["HH-03"]["connected"], views["HH-03"]["online"]) == (False, False)
    assert await _ids(client, fac, online="true") == {"HH-01"}
    assert await _ids(client, fac, online="false") == {"HH-02", "HH-03"}
    admin = await login(client, "admin@holding.example")
    assert await _ids(client, admin, online="false") == {"HH-02", "HH-03", "MU-01"}
    r = await client.get(API, headers=fac, params={"online": "sometimes"})
    assert r.status_code == 422 and "online" in r.json()["detail"]


async def test_accepting_a_pending_station(client: AsyncClient, runtime: Runtime, world: None) -> None:
    await set_live(runtime, "HH-02", registration_status="pending")
    await set_live(runtime, "MU-01", registration_status="pending")
    fac = await login(client, "fac@north.example")
    assert await _ids(client, fac, registration_status="pending") == {"HH-02"}
    r = await client.patch(f"{API}/HH-02", json={"registration_status": "accepted"}, headers=fac)
    assert r.status_code == 200, r.text
    assert r.json()["registration_status"] == "accepted"
    assert await _ids(client, fac, registration_status="pending") == set()
    assert await _ids(client, fac, registration_status="accepted") == {"HH-01", "HH-02", "HH-03"}

    admin = await login(client, "admin@holding.example")
    entries = (
        await client.get(
            "/api/v1/audit-log", headers=admin, params={"entity": "station", "entity_id": "HH-02"}
        )
    ).json()["items"]
    assert entries[0]["action"] == "update" and entries[0]["actor"] == "fac@north.example"
    assert entries[0]["before"]["registration_status"] == "pending"
    assert entries[0]["after"]["registration_status"] == "accepted"
    assert "connected" not in entries[0]["after"]  # live state is not audited

    # Reach: invisible is 404; a value outside the three is 422 naming the field.
    r = await client.patch(f"{API}/MU-01", json={"registration_status": "accepted"}, headers=fac)
    assert r.status_code == 404, r.text
    fleet = await login(client, "fleet@north.example")
    r = await client.patch(f"{API}/HH-02", json={"registration_status": "rejected"}, headers=fleet)
    assert r.status_code == 404, r.text
    r = await client.patch(f"{API}/HH-02", json={"registration_status": "approved"}, headers=fac)
    assert r.status_code == 422 and "body.registration_status" in r.json()["detail"]
    r = await client.get(API, headers=fac, params={"registration_status": "maybe"})
    assert r.status_code == 422 and "registration_status" in r.json()["detail"]
    r = await client.patch(f"{API}/HH-02", json={"registration_status": "rejected"}, headers=fac)
    assert r.json()["registration_status"] == "rejected"


async def test_live_state_changes_are_not_audited(client: AsyncClient, runtime: Runtime, world: None) -> None:
    fac = await login(client, "fac@north.example")
    await set_live(runtime, "HH-01", connected=True, last_seen_at=datetime.now(UTC))
    r = await client.patch(f"{API}/HH-01", json={"vendor": "ABB"}, headers=fac)
    assert r.status_code == 200, r.text
    await set_live(runtime, "HH-01", connected=False)
    r = await client.patch(f"{API}/HH-01", json={"vendor": "ABB"}, headers=fac)  # nothing changed
    admin = await login(client, "admin@holding.example")
    entries = (
        await client.get(
            "/api/v1/audit-log", headers=admin, params={"entity": "station", "entity_id": "HH-01"}
        )
    ).json()["items"]
    assert [e["action"] for e in entries] == ["update", "create"]


async def test_connector_status_with_open_session(client: AsyncClient, runtime: Runtime, world: None) -> None:
    await add_status(runtime, "HH-01", 0, 0, "Available", t(0))
    await add_status(runtime, "HH-01", 1, 1, "Available", t(1))
    await add_status(runtime, "HH-01", 1, 1, "Preparing", t(2))
    await add_status(runtime, "HH-01", 1, 1, "Charging", t(3))
    await add_status(runtime, "HH-01", 2, 1, "Faulted", t(4), error_code="GroundFailure", info="RCD tripped")
    session = await add_session(
        runtime, station="HH-01", owner_org="north", state="active", evse_id=1, connector_id=1
    )
    await add_session(
        runtime, station="HH-01", owner_org="north", state="completed", evse_id=2, connector_id=1
    )
    fac = await login(client, "fac@north.example")
    r = await client.get(f"{API}/HH-01/status", headers=fac)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["registration_status"], body["online"]) == ("HH-01", "accepted", False)
    assert [(c["evse_id"], c["connector_id"], c["status"], c["session"]) for c in body["connectors"]] == [
        (0, 0, "Available", None),
        (1, 1, "Charging", session),
        (2, 1, "Faulted", None),
    ]
    faulted = body["connectors"][2]
    assert (faulted["error_code"], faulted["info"], faulted["at"]) == (
        "GroundFailure",
        "RCD tripped",
        "2026-03-01T10:04:00Z",
    )
    assert body["connectors"][1]["transaction_id"] is not None
    # Never reported: an empty list, not an error.
    assert (await client.get(f"{API}/HH-02/status", headers=fac)).json()["connectors"] == []
    for who in ("fac@south.example", "fleet@north.example"):
        h = await login(client, who)
        assert (await client.get(f"{API}/HH-01/status", headers=h)).status_code == 404
        assert (await client.get(f"{API}/HH-01/status-history", headers=h)).status_code == 404


async def test_status_history_pages_newest_first(client: AsyncClient, runtime: Runtime, world: None) -> None:
    # Reported out of order (an offline queue): the history follows the station's own clock.
    for minute, status in [
        (3, "Charging"),
        (1, "Available"),
        (2, "Preparing"),
        (4, "Finishing"),
        (4, "Available"),
    ]:
        await add_status(runtime, "HH-01", 1, 1, status, t(minute))
    await add_status(runtime, "HH-02", 1, 1, "Faulted", t(9))
    fac = await login(client, "fac@north.example")
    history = await every_page(client, f"{API}/HH-01/status-history", fac, limit=2)
    walked = [(e["at"], e["status"]) for e in history]
    assert walked == [
        ("2026-03-01T10:04:00Z", "Available"),  # same time: the later report first
        ("2026-03-01T10:04:00Z", "Finishing"),
        ("2026-03-01T10:03:00Z", "Charging"),
        ("2026-03-01T10:02:00Z", "Preparing"),
        ("2026-03-01T10:01:00Z", "Available"),
    ]
    for bad in ("x", "1_", "12_ab", "1" * 30 + "_1"):
        r = await client.get(f"{API}/HH-01/status-history", headers=fac, params={"cursor": bad})
        assert r.status_code == 422 and "cursor" in r.json()["detail"], r.text
    assert (await client.get(f"{API}/NOPE/status-history", headers=fac)).status_code == 404


# --- which unknown stations a location admits ------------------------------------------------------


async def test_admit_station_prefix_set_show_clear(client: AsyncClient, world: None) -> None:
    fac = await login(client, "fac@north.example")
    loc = "/api/v1/locations/depot-hamburg"
    assert (await client.get(loc, headers=fac)).json()["admit_station_prefix"] is None
    r = await client.patch(loc, json={"admit_station_prefix": "HH-"}, headers=fac)
    assert r.status_code == 200 and r.json()["admit_station_prefix"] == "HH-", r.text
    assert (await client.patch(loc, json={"name": "Hamburg Port"}, headers=fac)).json()[
        "admit_station_prefix"
    ] == "HH-"
    r = await client.post(
        "/api/v1/locations",
        json={"key": "depot-kiel", "org": "north", "name": "Kiel", "admit_station_prefix": "KI-"},
        headers=fac,
    )
    assert r.status_code == 201 and r.json()["admit_station_prefix"] == "KI-", r.text

    # Unique: another location (even one the caller cannot see) holding it is a conflict, unnamed.
    south = await login(client, "fac@south.example")
    r = await client.patch(
        "/api/v1/locations/depot-munich", json={"admit_station_prefix": "HH-"}, headers=south
    )
    assert r.status_code == 409 and "depot-hamburg" not in r.json()["detail"], r.text
    r = await client.post(
        "/api/v1/locations",
        json={"key": "depot-x", "org": "south", "name": "X", "admit_station_prefix": "KI-"},
        headers=south,
    )
    assert r.status_code == 409, r.text
    # A longer prefix is a different one: the longest match admits (see the gateway).
    r = await client.patch(
        "/api/v1/locations/depot-munich", json={"admit_station_prefix": "HH-9"}, headers=south
    )
    assert r.status_code == 200, r.text

    for bad in ("", "HH/", "HH 1", "X" * 49, "HH:"):
        r = await client.patch(loc, json={"admit_station_prefix": bad}, headers=fac)
        assert r.status_code == 422 and "body.admit_station_prefix" in r.json()["detail"], (bad, r.text)
    fleet = await login(client, "fleet@north.example")
    assert (await client.patch(loc, json={"admit_station_prefix": "Z"}, headers=fleet)).status_code == 404

    r = await client.patch(loc, json={"admit_station_prefix": None}, headers=fac)
    assert r.status_code == 200 and r.json()["admit_station_prefix"] is None
    r = await client.patch(
        "/api/v1/locations/depot-munich", json={"admit_station_prefix": "HH-"}, headers=south
    )
    assert r.status_code == 200, r.text  # freed, so free to take

    admin = await login(client, "admin@holding.example")
    entries = (
        await client.get(
            "/api/v1/audit-log", headers=admin, params={"entity": "location", "entity_id": "depot-hamburg"}
        )
    ).json()["items"]
    changes = [
        (e["before"] or {}).get("admit_station_prefix", "-") for e in entries if e["action"] == "update"
    ]
    assert changes == ["HH-", "HH-", None]  # newest first: cleared, renamed, set


IMPORTED = """\
organisations:
  - {key: holding, name: Holding}
locations:
  - {key: depot-a, org: holding, name: A, admit_station_prefix: "A-"}
  - {key: depot-b, org: holding, name: B}
"""


async def _import(runtime: Runtime, text: str) -> None:
    async with runtime.uow() as uow:
        await importer.import_document(uow, read_text(text), SYSTEM)


async def _prefixes(runtime: Runtime) -> dict[str, str | None]:
    async with runtime.uow() as uow:
        rows = await uow.session.execute(select(Location.key, Location.admit_station_prefix))
        return {key: prefix for key, prefix in rows}


async def test_admit_station_prefix_in_import_and_export(runtime: Runtime) -> None:
    await _import(runtime, IMPORTED)
    assert await _prefixes(runtime) == {"depot-a": "A-", "depot-b": None}
    async with runtime.uow() as uow:
        exported = await exporter.export_document(uow, None)
    assert [(loc.key, loc.admit_station_prefix) for loc in exported.locations] == [
        ("depot-a", "A-"),
        ("depot-b", None),
    ]
    assert "admit_station_prefix" not in exported.locations[1].model_fields_set  # not written when unset
    await _import(runtime, exporter.dump_yaml(exported))  # round trip: nothing changes
    assert await _prefixes(runtime) == {"depot-a": "A-", "depot-b": None}

    bad = [
        # taken in the database by a location the file leaves alone
        (
            "locations:\n  - {key: depot-b, org: holding, name: B, admit_station_prefix: A-}\n",
            "locations[0].admit_station_prefix",
        ),
        # given twice in the file
        (
            "locations:\n  - {key: depot-b, org: holding, name: B, admit_station_prefix: B-}\n"
            "  - {key: depot-c, org: holding, name: C, admit_station_prefix: B-}\n",
            "locations[1].admit_station_prefix",
        ),
        (
            "locations:\n  - {key: depot-b, org: holding, name: B, admit_station_prefix: 'B/'}\n",
            "locations[0].admit_station_prefix",
        ),
    ]
    for text, path in bad:
        with pytest.raises(InvalidInput) as e:
            await _import(runtime, text)
        assert path in str(e.value), e.value
    assert await _prefixes(runtime) == {"depot-a": "A-", "depot-b": None}

    # Moving a prefix from one location to another in one file is fine when the holder lets go first.
    await _import(
        runtime,
        "locations:\n  - {key: depot-a, org: holding, name: A, admit_station_prefix: null}\n"
        "  - {key: depot-b, org: holding, name: B, admit_station_prefix: A-}\n",
    )
    assert await _prefixes(runtime) == {"depot-a": None, "depot-b": "A-"}
