"""OCPP 2.0.1 TransactionEvents through the service alone (no served app, no websocket): events a
station's offline queue sends late and out of order make one session, and an event sent again
(the same seqNo) changes nothing. Times come from the test's clock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from depotshare.domain.charging.meter import Sample
from depotshare.services.charging import transaction_events
from depotshare.services.charging.transaction_events import Applied, TransactionEvent
from depotshare.services.runtime import Runtime
from tests.ocpp.conftest import CARD
from tests.services.charging.views import meter_values, session_view
from tests.support.clock import FakeClock

TX = "5f1c0a4e-0000-4000-8000-00000000feed"


async def _apply(runtime: Runtime, station: int, event: TransactionEvent) -> Applied:
    async with runtime.uow() as uow:
        return await transaction_events.apply(uow, station, "ocpp2.0.1", event)


def _event(kind: str, seq_no: int, clock: FakeClock, wh: int, context: str, **more: Any) -> TransactionEvent:
    at = clock.now()
    reading = Sample(at, Decimal(wh), context=context)
    return TransactionEvent(
        kind, at, "Trigger", seq_no, TX, evse_id=1, connector_id=1, samples=[reading], **more
    )


async def test_events_queued_offline_arrive_out_of_order_and_make_one_session(
    runtime: Runtime, clock: FakeClock, station: int
) -> None:
    started = _event("Started", 0, clock, 1000, "Transaction.Begin", id_token=CARD, id_token_type="ISO14443")
    clock.advance(minutes=30)
    ended = _event("Ended", 1, clock, 7000, "Transaction.End", stopped_reason="EVDisconnected")

    first = await _apply(runtime, station, ended)  # the end comes first: its start is not known yet
    orphan = await session_view(runtime, first.session_id)
    assert orphan.state == "orphan" and "orphan" in orphan.flags

    late = await _apply(runtime, station, started)
    assert late.session_id == first.session_id and late.decision is not None and late.decision.accepted
    whole = await session_view(runtime, first.session_id)
    assert (whole.state, whole.started_at, whole.stopped_at) == ("completed", started.at, ended.at)
    assert (whole.meter_start_wh, whole.meter_stop_wh, whole.energy_wh) == (1000, 7000, 6000)
    assert whole.flags == [] and whole.stop_reason == "EVDisconnected"


async def test_an_event_sent_again_changes_nothing(runtime: Runtime, clock: FakeClock, station: int) -> None:
    await _apply(runtime, station, _event("Started", 0, clock, 1000, "Transaction.Begin"))
    clock.advance(minutes=10)
    updated = _event("Updated", 1, clock, 2500, "Sample.Periodic")
    applied = await _apply(runtime, station, updated)
    before = await session_view(runtime, applied.session_id)
    clock.advance(minutes=1)
    again = await _apply(runtime, station, updated)
    assert again.replay and again.session_id == applied.session_id
    assert await session_view(runtime, applied.session_id) == before
    assert [m.value for m in await meter_values(runtime, applied.session_id)] == ["1000", "2500"]
