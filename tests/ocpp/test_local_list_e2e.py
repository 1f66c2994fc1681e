"""Local lists end to end over real websockets, OCPP 1.6 and 2.0.1: the simulator's stations keep
their list as real ones do, the server's sync task (as the app lifespan starts it) keeps it equal to
what the engine admits there: after a grant change within seconds, after a reconnect, after drift
(a Full list), and within a station's limits (too small: reported, the most important kept)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from ocpp.v16 import ChargePoint as ChargePoint16Base
from ocpp.v16 import call as call16

from depotshare.domain.access.local_list import MESSAGE_OVERHEAD_BYTES
from depotshare.domain.fleet.tokens import TokenStatus
from depotshare.domain.orgs.roles import Role
from depotshare.domain.setup import read_text
from depotshare.services.access.local_lists import LocalListSync
from depotshare.services.fleet import tokens
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer import import_document
from depotshare.simulator.config import SimConfig
from depotshare.simulator.station import Station
from depotshare.simulator.station16 import Station16
from depotshare.simulator.station201 import Station201
from depotshare.simulator.stats import Stats
from depotshare.store.access.local_lists import LocalLists
from tests.ocpp.conftest import CARD, PARTNER, Served, raw_socket
from tests.support.charging_rows import access_decisions
from tests.support.helpers import SYSTEM, login, make_user

PROTOCOLS = ["ocpp1.6", "ocpp2.0.1"]
WITHIN_S = 5.0  # "within seconds"
GRANT = """\
tariffs:
  - {key: partner-rate, owner: acme-north, currency: EUR,
     elements: [{price_components: [{type: ENERGY, price: "0.30", vat: 19}]}]}
partnerships:
  - host: acme-north
    partner: swift
    tariff: partner-rate
    grants:
      - {key: swift-depot, locations: [depot-hamburg], priority: 2}
"""


@pytest.fixture
async def client(served: Served) -> AsyncIterator[AsyncClient]:
    """The REST API of the served app (a second app would take over the runtime's command channel)."""
    async with AsyncClient(transport=ASGITransport(app=served.app), base_url="http://test") as c:
        yield c


@pytest.fixture
async def sync(served: Served) -> AsyncIterator[LocalListSync]:
    """The background task exactly as the app's lifespan runs it, polling faster."""
    task = LocalListSync(served.runtime, poll_s=0.05)
    task.start()
    yield task
    await task.stop()


@asynccontextmanager
async def station(
    served: Served, protocol: str, station_id: str = "HH-02", **cfg: Any
) -> AsyncIterator[Station]:
    config = SimConfig(
        url=f"{served.url}/ocpp", station_ids=(station_id,), protocol=protocol, call_timeout_s=10
    )
    kind = Station16 if protocol == "ocpp1.6" else Station201
    sim = kind(station_id, 0, replace(config, **cfg), Stats(), asyncio.Event())
    sim.start()
    try:
        await asyncio.wait_for(sim.boot(), 10)
        yield sim
    finally:
        await sim.close()


async def until(check: Callable[[], Any], within: float = WITHIN_S) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within seconds"
        await asyncio.sleep(0.02)


async def grant_partner(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await import_document(uow, read_text(GRANT), SYSTEM, "grant.yaml")


def listed(sim: Station) -> set[str]:
    return set(sim.local_list.entries)


async def api(client: AsyncClient, runtime: Runtime) -> dict[str, str]:
    await make_user(runtime, "ops@example.com", (Role.PLATFORM_ADMIN, None))
    return await login(client, "ops@example.com")


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_grant_change_reaches_the_station_within_seconds(
    served: Served, sync: LocalListSync, client: AsyncClient, protocol: str
) -> None:
    async with station(served, protocol) as sim:
        # The owner's card only: the blocked and expired cards and the partner's are not admitted.
        await until(lambda: listed(sim) == {CARD})
        info = sim.local_list.entries[CARD]
        if protocol == "ocpp1.6":
            assert info["parent_id_tag"] == "ACME-FLEET" and info["expiry_date"] == "2099-12-31T23:00:00.000Z"
        else:
            assert info["group_id_token"]["id_token"] == "ACME-FLEET" and info["charging_priority"] == 9
        first = sim.local_list.version
        await grant_partner(served.runtime)
        started = asyncio.get_running_loop().time()
        await until(lambda: listed(sim) == {CARD, PARTNER})
        assert asyncio.get_running_loop().time() - started < WITHIN_S
        assert sim.local_list.updates[-1][1:] == ("Differential", 1)  # only the partner's card went
        assert sim.local_list.version > first
        await sync.idle()
        view = (
            await client.get("/api/v1/stations/HH-02/local-list", headers=await api(client, served.runtime))
        ).json()
        assert view["state"] == "in_sync" and view["in_sync"] is True, view
        assert (view["version"], view["entries"], view["admitted"]) == (sim.local_list.version, 2, 2)
        # Blocking a card takes it off the list.
        async with served.runtime.uow() as uow:
            await tokens.set_token_status(uow, SYSTEM, PARTNER, TokenStatus.BLOCKED)
        await until(lambda: listed(sim) == {CARD})
        await sync.idle()
    # Each listing the station accepted is a decision of the depot's log, source LocalList.
    log = [
        (d.id_token, d.decision) for d in await access_decisions(served.runtime) if d.source == "LocalList"
    ]
    assert log == [(CARD, "Accepted"), (PARTNER, "Accepted"), (PARTNER, "Unlisted")]


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_reconnect_syncs_what_changed_meanwhile(
    served: Served, sync: LocalListSync, protocol: str
) -> None:
    async with station(served, protocol) as sim:
        await until(lambda: listed(sim) == {CARD})
        await sim.go_offline(queue=True)
        await until(lambda: not served.gateway.registry.get("HH-02"))
        await grant_partner(served.runtime)
        await asyncio.sleep(0.3)
        assert listed(sim) == {CARD}  # away: nothing could be sent
        await sim.reconnect()  # no boot: synced after the grace, or at once after a boot
        await until(lambda: listed(sim) == {CARD, PARTNER}, within=WITHIN_S + 5)


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_drift_is_repaired_with_a_full_list(served: Served, sync: LocalListSync, protocol: str) -> None:
    async with station(served, protocol) as sim:
        await until(lambda: listed(sim) == {CARD})
        # The station lost its list and reports another version (a replaced controller, another CSMS).
        sim.local_list.entries, sim.local_list.version = {}, 42
        await sim.boot("PowerUp")
        await until(lambda: listed(sim) == {CARD})
        version, kind, items = sim.local_list.updates[-1]
        assert (version, kind, items) == (43, "Full", 1)


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_station_too_small_for_its_list_is_reported(
    served: Served, sync: LocalListSync, client: AsyncClient, protocol: str
) -> None:
    await grant_partner(served.runtime)
    async with station(served, protocol, local_list_max=1) as sim:
        # The owner's card (class 1, chargingPriority 9) outranks the partner's (class 2).
        await until(lambda: listed(sim) == {CARD})
        await sync.idle()
        headers = await api(client, served.runtime)
        view = (await client.get("/api/v1/stations/HH-02/local-list", headers=headers)).json()
        assert (view["state"], view["entries"], view["admitted"], view["left_out"]) == ("too_large", 1, 2, 1)
        assert view["limits"]["max_entries"] == 1
        report = (await client.get("/api/v1/local-lists?state=too_large", headers=headers)).json()
        assert [i["station"] for i in report["items"]] == ["HH-02"]
        # HH-01 never connected: its list is out of date (never synchronised).
        stale = (await client.get("/api/v1/local-lists?state=out_of_date", headers=headers)).json()
        assert [i["station"] for i in stale["items"]] == ["HH-01"]
        assert stale["items"][0]["last_detail"] == "never synchronised"


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_messages_stay_within_the_station_limits_and_a_full_sync_can_be_forced(
    served: Served, sync: LocalListSync, client: AsyncClient, protocol: str
) -> None:
    await grant_partner(served.runtime)
    limits: dict[str, Any] = {"local_list_per_message": 1}
    if protocol == "ocpp2.0.1":
        limits["local_list_bytes"] = MESSAGE_OVERHEAD_BYTES + 250  # one entry per frame at most
    async with station(served, protocol, **limits) as sim:
        await until(lambda: listed(sim) == {CARD, PARTNER})
        assert [(kind, items) for _, kind, items in sim.local_list.updates] == [
            ("Full", 1),
            ("Differential", 1),
        ]
        await sync.idle()
        r = await client.post(
            "/api/v1/stations/HH-02/local-list/sync", headers=await api(client, served.runtime)
        )
        assert r.status_code == 202 and r.json()["full_requested"] is True, r.text
        await until(lambda: len(sim.local_list.updates) == 4)
        assert [kind for _, kind, _ in sim.local_list.updates[2:]] == ["Full", "Differential"]
        assert listed(sim) == {CARD, PARTNER}


async def test_the_local_list_of_a_station_is_scoped_like_the_station(
    served: Served, client: AsyncClient, depot: None
) -> None:
    await make_user(served.runtime, "stranger@example.com", (Role.FACILITY_MANAGER, "swift"))
    headers = await login(client, "stranger@example.com")
    assert (await client.get("/api/v1/stations/HH-02/local-list", headers=headers)).status_code == 404
    assert (await client.post("/api/v1/stations/HH-02/local-list/sync", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/local-lists", headers=headers)).json()["items"] == []
    bad = await client.get("/api/v1/local-lists?state=nonsense", headers=await api(client, served.runtime))
    assert bad.status_code == 422


class _NoLocalList(ChargePoint16Base):
    """A 1.6 charger without local list support: the library answers every CSMS call it has no
    handler for with CALLERROR NotImplemented. Counts what it is asked."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=10)
        self.asked: list[str] = []

    async def route_message(self, raw_msg: str) -> None:
        if raw_msg.startswith("[2,"):
            self.asked.append(raw_msg.split(",")[2].strip('" '))
        await super().route_message(raw_msg)


@pytest.mark.usefixtures("depot")
async def test_a_station_without_local_lists_is_not_asked_again_and_again(
    served: Served, client: AsyncClient
) -> None:
    async with raw_socket(served, "HH-02") as ws:
        cp = _NoLocalList("HH-02", ws)
        loop = asyncio.create_task(cp.start())
        # The sync starts once the boot is recorded: a boot after a sync is a reason to ask again
        # (new firmware may list), which on a slow machine would make this test's count two.
        sync = LocalListSync(served.runtime, poll_s=0.05)
        try:
            await cp.call(call16.BootNotification(charge_point_vendor="Old", charge_point_model="Box"))
            sync.start()
            await until(lambda: len(cp.asked) >= 1)
            await sync.idle()
            await asyncio.sleep(0.5)  # ten polls of the sync task
            await sync.idle()
        finally:
            await sync.stop()
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
    assert cp.asked == ["GetConfiguration", "GetLocalListVersion"]  # once each, not every poll
    headers = await api(client, served.runtime)
    view = (await client.get("/api/v1/stations/HH-02/local-list", headers=headers)).json()
    assert view["state"] == "not_supported" and "NotImplemented" in view["last_detail"], view
    # Asked again at the hourly check, not every retry interval.
    wait = datetime.fromisoformat(view["next_sync_at"]) - datetime.fromisoformat(view["last_attempt_at"])
    assert wait >= timedelta(minutes=30)


@pytest.mark.usefixtures("depot")
async def test_the_sync_steps_aside_while_the_gateway_is_busy_booting(served: Served) -> None:
    busy = True
    task = LocalListSync(served.runtime, poll_s=0.05, hold_off=lambda: busy)
    task.start()
    try:
        async with station(served, "ocpp1.6") as sim:
            await asyncio.sleep(0.5)  # ten polls
            assert sim.local_list.version == 0 and not sim.local_list.updates  # not asked yet
            busy = False
            await until(lambda: listed(sim) == {CARD})
    finally:
        await task.stop()


@pytest.mark.usefixtures("depot")
async def test_a_round_with_a_stale_due_list_does_not_sync_again(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round reads the due stations, and a sync under way ends before the round goes on: that
    station's list is done, and the stale read must not start its sync a second time."""
    real = LocalLists.due_stations
    read: list[Any] = []
    sync = LocalListSync(served.runtime)

    async def due_stations(*args: Any, **kwargs: Any) -> Any:
        if read:  # the second round: what was due before the first sync ended
            await sync.idle()
            return read[0]
        read.append(await real(*args, **kwargs))
        return read[0]

    monkeypatch.setattr(LocalLists, "due_stations", due_stations)
    async with station(served, "ocpp1.6") as sim:
        await until(lambda: served.gateway.registry.get("HH-02") is not None)
        await sim.boot("PowerUp")
        first = await sync.tick()
        assert len(first) == 1
        assert await sync.tick() == []  # stale: the station was synced meanwhile
        await sync.idle()
        assert [kind for _, kind, _ in sim.local_list.updates] == ["Full"]
