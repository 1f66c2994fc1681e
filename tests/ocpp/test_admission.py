"""Admission control for reconnect storms: at most `slots` stations between their handshake and
their first answered call; the others wait a little, then get HTTP 503 with Retry-After."""

from __future__ import annotations

import asyncio
import logging

import pytest
from ocpp.v16 import call
from websockets.exceptions import InvalidStatus

from depotshare.ocpp import admission
from depotshare.ocpp.admission import BootGate
from tests.ocpp.conftest import Served, raw_socket, station16
from tests.ocpp.test_v16_connect import _refused

BOOT = call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB")


async def test_gate_bounds_booting_stations_and_refuses_when_full() -> None:
    gate = BootGate(slots=2, wait_s=0.05)
    first, second = await gate.enter(), await gate.enter()
    assert first is not None and second is not None and gate.booting == 2
    assert await gate.enter() is None  # waited 50 ms for nothing
    assert gate.refused == 1
    first()
    first()  # idempotent
    assert gate.booting == 1
    third = await gate.enter()
    assert third is not None and gate.booting == 2
    second()
    third()
    assert gate.booting == 0


async def test_a_waiting_handshake_gets_the_place_freed() -> None:
    gate = BootGate(slots=1, wait_s=5)
    first = await gate.enter()
    assert first is not None
    waiting = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    first()
    assert await asyncio.wait_for(waiting, 1) is not None


async def test_no_waiting_beyond_the_queue_bound() -> None:
    gate = BootGate(slots=1, wait_s=5)
    assert await gate.enter() is not None
    waiters = [asyncio.create_task(gate.enter()) for _ in range(admission.WAITING_PER_SLOT)]
    await asyncio.sleep(0.01)
    assert await asyncio.wait_for(gate.enter(), 0.5) is None  # refused at once
    for w in waiters:
        w.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)


async def test_place_given_back_by_a_silent_station(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admission, "BOOT_HOLD_MAX_S", 0.05)
    gate = BootGate(slots=1, wait_s=0)
    assert await gate.enter() is not None
    await asyncio.sleep(0.1)
    assert gate.booting == 0


async def test_storm_refused_with_503_until_the_first_answer(
    served: Served, depot: None, caplog: pytest.LogCaptureFixture
) -> None:
    gate = served.gateway.boot_gate = BootGate(slots=1, wait_s=0)
    async with station16(served, "HH-02") as cp:  # admitted, has not said anything yet
        assert gate.booting == 1
        assert await _refused(served, "HH-01") == 503
        assert (await cp.call(BOOT)).status == "Accepted"
        assert gate.booting == 0
        assert await _refused(served, "HH-01", password="wrong") == 401
    assert gate.booting == 0
    await asyncio.sleep(0.1)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_refused_handshakes_are_told_when_to_retry(served: Served, depot: None) -> None:
    served.gateway.boot_gate = BootGate(slots=1, wait_s=0)
    async with raw_socket(served, "HH-02"):
        with pytest.raises(InvalidStatus) as e:
            async with raw_socket(served, "HH-02"):
                pass
        assert e.value.response.status_code == 503
        assert e.value.response.headers["Retry-After"] == "5"
