"""Connecting: subprotocol negotiation, admission at the handshake (unknown, password, pending by
prefix), boot answers, heartbeat, live state, and a second connection replacing the first."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from ocpp.v16 import call
from sqlalchemy import select, update
from websockets.exceptions import InvalidStatus

from depotshare.services.orgs import security
from depotshare.services.sites import connected_stations as stations_live
from depotshare.services.sites import stations
from depotshare.services.sites.connected_stations import is_online
from depotshare.store.charging.models import StationEvent
from depotshare.store.common.models import AuditEntry
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import STATION_PASSWORD, Served, admit_prefix, eventually, raw_socket, station16
from tests.support.helpers import SYSTEM

BOOT = call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB", firmware_version="1.2")


async def _station(served: Served, station_id: str) -> ChargingStation | None:
    async with served.runtime.uow() as uow:
        station = await uow.session.scalar(
            select(ChargingStation).where(ChargingStation.ocpp_id == station_id)
        )
        if station is not None:
            uow.session.expunge(station)
        return station


async def _refused(served: Served, station_id: str, **kwargs: object) -> int:
    with pytest.raises(InvalidStatus) as e:
        async with raw_socket(served, station_id, **kwargs):  # type: ignore[arg-type]
            pass
    return e.value.response.status_code


async def test_boot_accepted_updates_station(served: Served, depot: None) -> None:
    async with station16(served, "HH-01", password=STATION_PASSWORD) as cp:
        answer = await cp.call(BOOT)
        assert (answer.status, answer.interval) == ("Accepted", 300)
        assert datetime.fromisoformat(answer.current_time) - datetime.now(UTC) < timedelta(seconds=5)
        station = await _station(served, "HH-01")
        assert station is not None
        assert (station.vendor, station.model, station.firmware_version) == ("ABB", "Terra", "1.2")
        assert station.connected and station.protocol == "ocpp1.6" and station.last_boot_at is not None
    async with served.runtime.uow() as uow:
        kinds = (await uow.session.scalars(select(StationEvent.kind))).all()
    assert kinds == ["BootNotification"]


async def test_unknown_station_refused_at_handshake(served: Served, depot: None) -> None:
    assert await _refused(served, "NOPE-1") == 403
    assert await _station(served, "NOPE-1") is None


async def test_wrong_or_missing_password_refused(served: Served, depot: None) -> None:
    assert await _refused(served, "HH-01", password="wrong-password") == 401
    assert await _refused(served, "HH-01") == 401
    station = await _station(served, "HH-01")
    assert station is not None and not station.connected
    # Basic auth user must be the station id.
    async with raw_socket(served, "HH-01", password=STATION_PASSWORD):
        pass


async def test_no_supported_subprotocol_refused(served: Served, depot: None) -> None:
    assert await _refused(served, "HH-02", subprotocols=["ocpp1.5"]) == 403


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [(["ocpp1.6"], "ocpp1.6"), (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"), (["ocpp1.5", "ocpp1.6"], "ocpp1.6")],
)
async def test_station_preferred_subprotocol_chosen(
    served: Served, depot: None, offered: list[str], chosen: str
) -> None:
    async with raw_socket(served, "HH-02", subprotocols=offered) as ws:
        assert ws.subprotocol == chosen


async def test_unknown_station_admitted_as_pending_by_prefix(served: Served, depot: None) -> None:
    await admit_prefix(served.runtime, "depot-hamburg", "HH-NEW-")
    assert await _refused(served, "XX-NEW-1") == 403  # another prefix
    assert await _refused(served, "HH-NEW-%C3%A9") == 403  # not a station identity (HH-NEW-é)
    async with station16(served, "HH-NEW-7") as cp:
        answer = await cp.call(BOOT)
        assert (answer.status, answer.interval) == ("Pending", 60)
        async with served.runtime.uow() as uow:
            await uow.session.execute(
                update(ChargingStation)
                .where(ChargingStation.ocpp_id == "HH-NEW-7")
                .values(registration_status="accepted")
            )
            await uow.commit()
        assert (await cp.call(BOOT)).status == "Accepted"
    async with served.runtime.uow() as uow:
        audit = (
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == "HH-NEW-7"))
        ).all()
        assert [(a.action, a.after) for a in audit] == [
            ("admit", {"id": "HH-NEW-7", "location": "depot-hamburg", "registration_status": "pending"})
        ]


async def test_rejected_station_told_so(served: Served, depot: None) -> None:
    async with served.runtime.uow() as uow:
        await uow.session.execute(
            update(ChargingStation)
            .where(ChargingStation.ocpp_id == "HH-02")
            .values(registration_status="rejected")
        )
        await uow.commit()
    async with station16(served, "HH-02") as cp:
        assert (await cp.call(BOOT)).status == "Rejected"


async def test_heartbeat_and_live_state(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        before = await _station(served, "HH-02")
        assert before is not None and before.connected and before.connected_at is not None
        answer = await cp.call(call.Heartbeat())
        assert datetime.fromisoformat(answer.current_time) - datetime.now(UTC) < timedelta(seconds=5)
        after = await _station(served, "HH-02")
        assert after is not None and after.last_seen_at is not None and before.last_seen_at is not None
        assert after.last_seen_at >= before.last_seen_at
        assert served.runtime.station_commands is not None
        assert served.runtime.station_commands.is_connected("HH-02")

    async def offline() -> bool:
        station = await _station(served, "HH-02")
        return station is not None and not station.connected

    assert await eventually(offline)
    assert served.runtime.station_commands is not None
    assert not served.runtime.station_commands.is_connected("HH-02")


def test_online_rule() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert is_online(True, now - timedelta(seconds=599), now, 300)
    assert not is_online(True, now - timedelta(seconds=601), now, 300)
    assert not is_online(False, now, now, 300)
    assert not is_online(True, None, now, 300)


async def test_second_connection_replaces_first(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as first, station16(served, "HH-02") as second:
        await asyncio.wait_for(first._connection.wait_closed(), 5)
        assert first._connection.close_code == 1000
        # The old connection's end leaves the new one online and working.
        assert (await second.call(BOOT)).status == "Accepted"
        station = await _station(served, "HH-02")
        assert station is not None and station.connected
        assert served.gateway.registry.get("HH-02") is not None
        assert served.runtime.station_commands is not None
        assert served.runtime.station_commands.is_connected("HH-02")


async def test_pending_station_may_only_boot(served: Served, depot: None) -> None:
    await admit_prefix(served.runtime, "depot-hamburg", "HH-NEW-")
    async with raw_socket(served, "HH-NEW-8") as ws:
        await ws.send('[2, "a", "Authorize", {"idTag": "04A2B3C4D5E6F7"}]')
        assert json.loads(await ws.recv())[:3] == [4, "a", "SecurityError"]
        await ws.send('[2, "b", "BootNotification", {"chargePointVendor": "ABB", "chargePointModel": "T"}]')
        assert json.loads(await ws.recv())[2]["status"] == "Pending"


async def test_password_verified_once_per_process(
    served: Served, depot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = security.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", counting)
    stations_live._verified.clear()
    stations_live._refused.clear()
    for _ in range(3):
        async with raw_socket(served, "HH-01", password=STATION_PASSWORD):
            pass
    for _ in range(3):  # a station retrying a stale password costs one check, not one per retry
        assert await _refused(served, "HH-01", password="not-it-either") == 401
    assert await _refused(served, "HH-01", password=STATION_PASSWORD + "x") == 401
    assert calls == [STATION_PASSWORD, "not-it-either", STATION_PASSWORD + "x"]
    # A new password (a new stored hash) is checked afresh; the old one no longer opens.
    async with served.runtime.uow() as uow:
        await stations.update_station(uow, SYSTEM, "HH-01", {"password": "not-it-either"})
    assert await _refused(served, "HH-01", password=STATION_PASSWORD) == 401
    async with raw_socket(served, "HH-01", password="not-it-either"):
        pass
    assert calls[3:] == [STATION_PASSWORD, "not-it-either"]


async def test_station_gone_during_handshake_is_a_normal_close(
    served: Served, depot: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A station that gives up while admission runs (reconnect storms): no traceback, no
    "connection failed", and the station is not left marked connected."""
    admitting = asyncio.Event()
    gone = asyncio.Event()
    real_admit = stations_live.admit

    async def slow_admit(*args: object, **kwargs: object) -> stations_live.StationLink:
        admitting.set()
        await gone.wait()
        await asyncio.sleep(0.1)  # let the server notice the closed socket
        return await real_admit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stations_live, "admit", slow_admit)
    host, port = served.url.removeprefix("ws://").split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"GET /ocpp/HH-02 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
    )
    await writer.drain()
    caplog.clear()
    await asyncio.wait_for(admitting.wait(), 5)
    writer.close()
    await writer.wait_closed()
    gone.set()

    async def admitted_then_closed() -> bool:
        s = await _station(served, "HH-02")
        return s is not None and s.last_seen_at is not None and not s.connected

    assert await eventually(admitted_then_closed)
    await asyncio.sleep(0.2)  # anything uvicorn would log after the app returns
    assert "HH-02" not in served.gateway.registry
    noisy = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert noisy == [], [r.getMessage() for r in noisy]
    # The station can connect again normally.
    async with station16(served, "HH-02") as cp:
        answer = await cp.call(BOOT)
        assert answer.status == "Accepted"
