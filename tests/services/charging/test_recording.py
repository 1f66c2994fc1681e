"""The charging session's life as the 1.6 path drives it, through the services alone (no served
app, no websocket): start, readings, stop, a retried start, a reboot with a session open. The
station's times come from the test's clock, so each rule is tested at its instant, in milliseconds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from depotshare.domain.charging.meter import Sample
from depotshare.services.charging import recording
from depotshare.services.charging.recording import Started, StartRequest, StopRequest
from depotshare.services.runtime import Runtime
from depotshare.services.sites import connected_stations
from depotshare.services.sites.connected_stations import BootInfo, Intervals
from tests.ocpp.conftest import CARD
from tests.services.charging.views import session_view
from tests.support.clock import FakeClock


def _start(clock: FakeClock, meter_start_wh: int = 1000, connector: int = 1) -> StartRequest:
    """A 1.6 StartTransaction now, keyed as the gateway keys it (the retry rule)."""
    at = clock.now()
    key = f"{connector}|{CARD}|{at.isoformat()}|{meter_start_wh}"
    return StartRequest(connector, 1, CARD, None, meter_start_wh, at, start_key=key)


def _register(clock: FakeClock, wh: int) -> Sample:
    return Sample(clock.now(), Decimal(wh), context="Sample.Periodic")


async def _started(runtime: Runtime, station: int, req: StartRequest) -> Started:
    async with runtime.uow() as uow:
        return await recording.start_session(uow, station, "ocpp1.6", req)


async def test_a_session_started_metered_and_stopped(
    runtime: Runtime, clock: FakeClock, station: int
) -> None:
    started = await _started(runtime, station, _start(clock, meter_start_wh=1000))
    assert started.created and started.decision.accepted
    clock.advance(minutes=15)
    async with runtime.uow() as uow:
        samples = [_register(clock, 4000)]
        await recording.meter_values(uow, station, samples, transaction_id=started.transaction_id)
    running = await session_view(runtime, started.session_id)
    assert (running.state, running.meter_start_wh, running.stopped_at) == ("active", 1000, None)

    stopped_at = clock.advance(minutes=15)
    async with runtime.uow() as uow:
        req = StopRequest(started.transaction_id, 9000, stopped_at, reason="Local")
        stopped = await recording.stop_session(uow, station, "ocpp1.6", req)
    assert not (stopped.orphan or stopped.replay)
    ended = await session_view(runtime, started.session_id)
    assert (ended.state, ended.stopped_at, ended.energy_wh, ended.energy_kwh) == (
        "completed",
        stopped_at,
        8000,
        "8.000",
    )
    assert ended.flags == [] and ended.stop_reason == "Local"


async def test_a_retried_start_is_answered_as_the_first(
    runtime: Runtime, clock: FakeClock, station: int
) -> None:
    req = _start(clock)
    first = await _started(runtime, station, req)
    clock.advance(seconds=30)  # the answer was lost; the station sends the same start again
    again = await _started(runtime, station, req)
    assert not again.created
    assert (again.session_id, again.transaction_id) == (first.session_id, first.transaction_id)
    # What the station is answered (idTagInfo: status, expiryDate, parentIdTag) is the first answer.
    answered = [(d.status, d.reason, d.expires_at, d.group) for d in (first.decision, again.decision)]
    assert answered[0] == answered[1]
    assert first.decision.group == "ACME-FLEET" and first.decision.expires_at is not None


async def test_a_replayed_stop_changes_nothing(runtime: Runtime, clock: FakeClock, station: int) -> None:
    started = await _started(runtime, station, _start(clock))
    req = StopRequest(started.transaction_id, 5000, clock.advance(minutes=20), reason="Local")
    async with runtime.uow() as uow:
        await recording.stop_session(uow, station, "ocpp1.6", req)
    ended = await session_view(runtime, started.session_id)
    clock.advance(minutes=1)
    async with runtime.uow() as uow:
        replay = await recording.stop_session(uow, station, "ocpp1.6", req)
    assert replay.replay and not replay.orphan
    assert await session_view(runtime, started.session_id) == ended


async def test_a_session_left_open_is_closed_at_its_last_reading_when_the_station_boots(
    runtime: Runtime, clock: FakeClock, station: int
) -> None:
    started = await _started(runtime, station, _start(clock, meter_start_wh=1000))
    last_reading = clock.advance(minutes=10)
    async with runtime.uow() as uow:
        samples = [_register(clock, 3500)]
        await recording.meter_values(uow, station, samples, transaction_id=started.transaction_id)
    booted_at = clock.advance(hours=2)  # the station lost power and comes back
    async with runtime.uow() as uow:
        await connected_stations.boot(uow, station, BootInfo(), {}, booted_at, Intervals(300, 60))
    closed = await session_view(runtime, started.session_id)
    assert closed.state == "completed"
    assert closed.stopped_at == last_reading and closed.stopped_at < booted_at - timedelta(hours=1)
    assert closed.energy_wh == 2500
    assert {"closed_on_reboot", "missing_stop"} <= set(closed.flags) and closed.flagged
