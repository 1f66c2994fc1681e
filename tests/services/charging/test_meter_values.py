"""MeterValues through the service alone: a message sent again after a lost answer stores nothing
twice and leaves the session as it was (DESIGN: a replayed message changes nothing twice)."""

from __future__ import annotations

from decimal import Decimal

from depotshare.domain.charging.meter import Sample
from depotshare.services.charging import recording
from depotshare.services.charging.recording import StartRequest
from depotshare.services.runtime import Runtime
from tests.ocpp.conftest import CARD
from tests.services.charging.views import meter_values, session_view
from tests.support.clock import FakeClock


async def test_a_retried_meter_values_changes_nothing(
    runtime: Runtime, clock: FakeClock, station: int
) -> None:
    async with runtime.uow() as uow:
        req = StartRequest(1, 1, CARD, None, 1000, clock.now())
        started = await recording.start_session(uow, station, "ocpp1.6", req)
    samples = [
        Sample(clock.advance(minutes=5), Decimal(2000)),
        Sample(clock.now(), Decimal(16), measurand="Power.Active.Import", unit="kW"),
        Sample(clock.advance(minutes=5), Decimal(3000)),
    ]
    views = []
    for _ in range(2):  # the first message, then the same again
        async with runtime.uow() as uow:
            await recording.meter_values(uow, station, samples, transaction_id=started.transaction_id)
        views.append(
            (await meter_values(runtime, started.session_id), await session_view(runtime, started.session_id))
        )
    (first_samples, first_session), (again_samples, again_session) = views
    assert len(first_samples) == 3
    assert again_samples == first_samples
    assert again_session == first_session
