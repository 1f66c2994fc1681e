"""The OCPI 2.2.1 Locations module over the real app and database: credentials-token auth, the
publication rule (published, or private shown to chosen tokens; never a private depot without
them, never a home charger), pagination, last_updated filters, live EVSE status."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select, update

from depotshare.domain.roaming.parties import hash_token
from depotshare.services.runtime import Runtime
from depotshare.services.sites import connected_stations as stations_live
from depotshare.services.sites.connected_stations import StatusReport
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.sites.models import ChargingStation
from tests.ocpi.helpers import BASE, TOKEN, auth, import_yaml, site

ALLOWED = '[{uid: "04A2B3C4", type: RFID}, {group_id: SWIFT-FLEET}]'
SETUP = (
    BASE
    + "locations:\n"
    + site("pub", publish=True)
    + site("private-depot")
    + site("shown", allowed_to=ALLOWED)
    + site("home", home="emp-1")
    + site("home-shown", home="emp-1", allowed_to=ALLOWED)
)
LOCATIONS = "/ocpi/2.2.1/locations"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def assert_envelope_error(r: Any, http: int, code: int) -> None:
    assert r.status_code == http, r.text
    body = r.json()
    assert body["status_code"] == code and "data" not in body
    assert body["timestamp"].endswith("Z") and body["status_message"]


async def test_credentials_token_base64_or_plain(client: AsyncClient, runtime: Runtime) -> None:
    await import_yaml(runtime, SETUP)
    for headers in (auth(), auth(encoded=False), {"Authorization": "token " + auth()["Authorization"][6:]}):
        r = await client.get(LOCATIONS, headers=headers)
        assert r.status_code == 200 and r.json()["status_code"] == 1000
    # A client that base64-encodes the token with a trailing line break (as the spec's example).
    encoded = base64.b64encode(f"{TOKEN}\n".encode()).decode()
    assert (await client.get(LOCATIONS, headers={"Authorization": f"Token {encoded}"})).status_code == 200
    for path in (LOCATIONS, f"{LOCATIONS}/pub", "/ocpi/versions", "/ocpi/2.2.1"):
        assert_envelope_error(await client.get(path), 401, 2000)
        assert_envelope_error(await client.get(path, headers=auth("not-the-token")), 401, 2000)
        assert_envelope_error(await client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}), 401, 2000)
    r = await client.get(LOCATIONS, headers={"X-Request-ID": "req-1", "X-Correlation-ID": "cor-1"})
    assert (r.headers["x-request-id"], r.headers["x-correlation-id"]) == ("req-1", "cor-1")
    # A suspended partner is refused at once.
    async with runtime.uow() as uow:
        await uow.session.execute(update(RoamingPartner).values(status="suspended"))
        await uow.commit()
    assert_envelope_error(await client.get(LOCATIONS, headers=auth()), 401, 2000)


async def test_versions_lead_to_the_locations_module(client: AsyncClient, runtime: Runtime) -> None:
    await import_yaml(runtime, SETUP)
    r = await client.get("/ocpi/versions", headers=auth())
    assert r.json()["data"] == [{"version": "2.2.1", "url": "http://test/ocpi/2.2.1"}]
    r = await client.get(r.json()["data"][0]["url"], headers=auth())
    assert r.json()["data"] == {
        "version": "2.2.1",
        "endpoints": [
            {"identifier": "locations", "role": "SENDER", "url": "http://test/ocpi/2.2.1/locations"}
        ],
    }
    assert (await client.get("http://test/ocpi/2.2.1/locations/", headers=auth())).status_code == 200


async def test_only_publishable_locations_are_shown(client: AsyncClient, runtime: Runtime) -> None:
    await import_yaml(runtime, SETUP)
    r = await client.get(LOCATIONS, headers=auth())
    assert r.status_code == 200
    body = r.json()
    assert body["status_code"] == 1000 and body["timestamp"].endswith("Z")
    by_id = {loc["id"]: loc for loc in body["data"]}
    assert list(by_id) == ["pub", "shown"]
    assert r.headers["x-total-count"] == "2"
    pub, shown = by_id["pub"], by_id["shown"]
    assert pub["publish"] is True and "publish_allowed_to" not in pub
    assert shown["publish"] is False
    assert shown["publish_allowed_to"] == [{"uid": "04A2B3C4", "type": "RFID"}, {"group_id": "SWIFT-FLEET"}]
    assert (pub["country_code"], pub["party_id"]) == ("DE", "DPS")
    assert pub["coordinates"] == {"latitude": "53.540000", "longitude": "9.980000"}
    assert (pub["address"], pub["city"], pub["postal_code"], pub["country"]) == (
        "Hafenstr. 1",
        "Hamburg",
        "20457",
        "DEU",
    )
    assert pub["time_zone"] == "Europe/Berlin" and pub["name"] == "Site pub"
    dc, ac = pub["evses"]
    assert dc["evse_id"] == "DE*DPS*EPUB*1" and dc["status"] == "UNKNOWN"  # never connected
    assert dc["connectors"][0] | {"last_updated": None} == {
        "id": "1",
        "standard": "IEC_62196_T2_COMBO",
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 920,
        "max_amperage": 164,
        "max_electric_power": 150000,
        "last_updated": None,
    }
    assert [c["standard"] for c in ac["connectors"]] == ["IEC_62196_T2", "CHADEMO"]
    assert ac["connectors"][0]["power_type"] == "AC_3_PHASE" and ac["connectors"][0]["max_amperage"] == 32
    # By id: the same objects; the hidden ones are unknown, exactly like a key that does not exist.
    for key in ("pub", "shown"):
        r = await client.get(f"{LOCATIONS}/{key}", headers=auth())
        assert r.status_code == 200 and r.json()["data"] == by_id[key]
    for key in ("private-depot", "home", "home-shown", "no-such-location"):
        assert_envelope_error(await client.get(f"{LOCATIONS}/{key}", headers=auth()), 404, 2003)
        assert_envelope_error(await client.get(f"{LOCATIONS}/{key}/1", headers=auth()), 404, 2003)
        assert_envelope_error(await client.get(f"{LOCATIONS}/{key}/1/1", headers=auth()), 404, 2003)
    # EVSE and connector objects, and an EVSE of another location is not found through this one.
    r = await client.get(f"{LOCATIONS}/pub/{dc['uid']}", headers=auth())
    assert r.json()["data"] == dc
    r = await client.get(f"{LOCATIONS}/pub/{ac['uid']}/2", headers=auth())
    assert r.json()["data"] == ac["connectors"][1]
    shown_evse = shown["evses"][0]["uid"]
    assert_envelope_error(await client.get(f"{LOCATIONS}/pub/{shown_evse}", headers=auth()), 404, 2003)
    assert_envelope_error(await client.get(f"{LOCATIONS}/pub/{dc['uid']}/9", headers=auth()), 404, 2003)
    # Nothing else public lists them either: the REST API needs a login.
    assert (await client.get("/api/v1/locations")).status_code == 401


async def test_pagination_walks_every_location_exactly_once(client: AsyncClient, runtime: Runtime) -> None:
    text = (
        BASE
        + "locations:\n"
        + "".join(
            site(f"loc-{i:02d}", publish=i % 3 != 0, allowed_to=ALLOWED if i % 3 == 0 and i % 2 else None)
            for i in range(23)
        )
    )
    await import_yaml(runtime, text)
    expected = [f"loc-{i:02d}" for i in range(23) if i % 3 != 0 or i % 2]
    seen: list[str] = []
    url: str | None = f"{LOCATIONS}?limit=4"
    pages = 0
    while url is not None:
        r = await client.get(url, headers=auth())
        assert r.status_code == 200, r.text
        assert r.headers["x-total-count"] == str(len(expected)) and r.headers["x-limit"] == "100"
        items = r.json()["data"]
        assert len(items) <= 4
        seen += [loc["id"] for loc in items]
        link = r.headers.get("link")
        url = link.split(">")[0].removeprefix("<") if link else None
        if link:
            assert link.endswith('; rel="next"')
        pages += 1
    assert seen == expected and pages == 5
    # The server's own maximum caps the page size, and X-Limit says so.
    r = await client.get(f"{LOCATIONS}?limit=5000&offset=20", headers=auth())
    assert [loc["id"] for loc in r.json()["data"]] == expected[20:] and "link" not in r.headers
    r = await client.get(f"{LOCATIONS}?offset=999", headers=auth())
    assert r.json()["data"] == [] and r.headers["x-total-count"] == str(len(expected))
    for bad in ("offset=-1", "limit=-2", "offset=x", "date_from=yesterday", "date_to=2026-13-01T00:00:00Z"):
        assert_envelope_error(await client.get(f"{LOCATIONS}?{bad}", headers=auth()), 400, 2001)


async def test_date_filters_follow_last_updated(client: AsyncClient, runtime: Runtime) -> None:
    t0 = datetime.now(UTC)
    await import_yaml(
        runtime, BASE + "locations:\n" + site("early", publish=True) + site("early-2", publish=True)
    )
    await asyncio.sleep(0.01)
    t1 = datetime.now(UTC)
    await import_yaml(runtime, "locations:\n" + site("late", publish=True))
    await asyncio.sleep(0.01)
    t2 = datetime.now(UTC)

    async def ids(query: str) -> list[str]:
        r = await client.get(f"{LOCATIONS}?{query}", headers=auth())
        assert r.status_code == 200, r.text
        assert r.headers["x-total-count"] == str(len(r.json()["data"]))
        return [loc["id"] for loc in r.json()["data"]]

    assert await ids(f"date_from={stamp(t0)}") == ["early", "early-2", "late"]
    assert await ids(f"date_from={stamp(t1)}") == ["late"]
    assert await ids(f"date_to={stamp(t1)}") == ["early", "early-2"]
    assert await ids(f"date_from={stamp(t0)}&date_to={stamp(t1)}") == ["early", "early-2"]
    assert await ids(f"date_from={stamp(t2)}") == []
    # Without a zone designator a DateTime is UTC.
    assert await ids(f"date_from={stamp(t1)[:-1]}") == ["late"]
    # Changing a location moves its last_updated; so does a station's status report.
    await import_yaml(runtime, "locations:\n" + site("early", publish=True).replace("Site early", "Renamed"))
    await asyncio.sleep(0.01)
    t3 = datetime.now(UTC)
    assert await ids(f"date_from={stamp(t2)}") == ["early"]
    async with runtime.uow() as uow:
        station = await uow.session.scalar(
            select(ChargingStation).where(ChargingStation.ocpp_id == "EARLY-2")
        )
        assert station is not None
        report = StatusReport(evse_id=1, connector_id=1, status="Available", at=datetime.now(UTC))
        await stations_live.status(uow, station.id, report, datetime.now(UTC))
    assert await ids(f"date_from={stamp(t3)}") == ["early-2"]
    r = await client.get(f"{LOCATIONS}/early-2", headers=auth())
    loc = r.json()["data"]
    assert loc["last_updated"] >= loc["evses"][0]["last_updated"] >= loc["evses"][1]["last_updated"]
    assert loc["last_updated"] >= stamp(t3)[:19]


async def test_evse_status_comes_from_the_live_station(client: AsyncClient, runtime: Runtime) -> None:
    await import_yaml(runtime, BASE + "locations:\n" + site("pub", publish=True))
    now = datetime.now(UTC)
    async with runtime.uow() as uow:
        station = await uow.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == "PUB"))
        assert station is not None
        station.connected, station.last_seen_at = True, now
        await uow.commit()
        for evse, connector, status in ((1, 1, "Charging"), (2, 1, "Faulted"), (2, 2, "Available")):
            await stations_live.status(uow, station.id, StatusReport(evse, connector, status, now), now)
    r = await client.get(f"{LOCATIONS}/pub", headers=auth())
    assert [e["status"] for e in r.json()["data"]["evses"]] == ["CHARGING", "AVAILABLE"]
    async with runtime.uow() as uow:
        await stations_live.status(uow, station.id, StatusReport(0, 0, "Unavailable", now), now)
    r = await client.get(f"{LOCATIONS}/pub", headers=auth())
    assert [e["status"] for e in r.json()["data"]["evses"]] == ["CHARGING", "INOPERATIVE"]
    async with runtime.uow() as uow:  # silent for longer than two heartbeats: offline
        await uow.session.execute(update(ChargingStation).values(last_seen_at=now - timedelta(hours=1)))
        await uow.commit()
    r = await client.get(f"{LOCATIONS}/pub", headers=auth())
    assert [e["status"] for e in r.json()["data"]["evses"]] == ["UNKNOWN", "UNKNOWN"]


async def test_pending_stations_are_not_offered(client: AsyncClient, runtime: Runtime) -> None:
    await import_yaml(runtime, BASE + "locations:\n" + site("pub", publish=True))
    async with runtime.uow() as uow:
        await uow.session.execute(update(ChargingStation).values(registration_status="pending"))
        await uow.commit()
    r = await client.get(f"{LOCATIONS}/pub", headers=auth())
    assert r.json()["data"]["evses"] == []


async def test_two_partners_each_with_their_own_token(client: AsyncClient, runtime: Runtime) -> None:
    await import_yaml(runtime, SETUP)
    async with runtime.uow() as uow:
        uow.session.add(
            RoamingPartner(
                key="nav",
                name="Nav",
                country_code="NL",
                party_id="NAV",
                role="NSP",
                token_hash=hash_token("nav-token-12"),
            )
        )
        await uow.commit()
    a = await client.get(LOCATIONS, headers=auth())
    b = await client.get(LOCATIONS, headers=auth("nav-token-12"))
    assert a.json()["data"] == b.json()["data"]


async def test_a_nul_byte_in_the_url_is_refused_in_each_protocols_format(client: AsyncClient) -> None:
    ocpi = await client.get("/ocpi/2.2.1/locations?date_from=%00", headers=auth())
    assert ocpi.status_code == 400
    assert ocpi.headers["content-type"].startswith("application/json")
    assert ocpi.json()["status_code"] == 2001 and "timestamp" in ocpi.json()
    api = await client.get("/api/v1/locations?q=%00")
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/problem+json")
