"""Statements per OCPP message on the hot paths, end to end through the gateway: a fixed small
bound, the same on SQLite and PostgreSQL, that a regression to one query per sample fails (the
MeterValues and TransactionEvent here carry 20 register readings each)."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from tests.ocpp.conftest import CARD, Served, station16
from tests.ocpp.v201_station import booted, mv, station201, sv, tx_event
from tests.support.statements import counting

SAMPLES = 20
# Statements per message, at most (measured on SQLite; PostgreSQL takes one fewer where the
# access log's head is locked in one statement). A use case reads what it needs in a few set-wise
# queries and writes one statement per table: a change that needs more says so here.
AUTHORIZE = 6  # site, token, log head (2), grants, decision
START = 9  # the retry's key, AUTHORIZE, the session (insert, then its 1.6 number)
METER_VALUES = 4  # session, its readings around the message's, samples stored there, insert
STOP = 5  # session with all its readings (2), samples stored there, insert, update
TRANSACTION_EVENT = 6  # session, seqNo, readings around, samples stored there, insert, update
BOOT_CLOSING = 6  # station, open sessions, their readings, one update for all, event, last seen


def _readings16(start_wh: int) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": f"2026-03-01T10:{i:02d}:00Z",
            "sampledValue": [{"value": str(start_wh + 100 * i), "context": "Sample.Periodic"}],
        }
        for i in range(1, SAMPLES + 1)
    ]


async def test_v16_hot_path_statements(served: Served, depot: None) -> None:
    engine = served.runtime.engine
    async with station16(served, "HH-02") as cp:
        await cp.call(call.Heartbeat())  # the connection's first last-seen write rides on this one
        with counting(engine) as authorize:
            assert (await cp.call(call.Authorize(id_tag=CARD))).id_tag_info["status"] == "Accepted"
        with counting(engine) as start:
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag=CARD, meter_start=1000, timestamp="2026-03-01T10:00:00Z"
                )
            )
        tx = started.transaction_id
        with counting(engine) as meter_values:
            await cp.call(
                call.MeterValues(connector_id=1, transaction_id=tx, meter_value=_readings16(1000)),
                suppress=False,
            )
        with counting(engine) as stop:
            await cp.call(
                call.StopTransaction(
                    meter_stop=9000,
                    timestamp="2026-03-01T11:00:00Z",
                    transaction_id=tx,
                    transaction_data=_readings16(3000),
                ),
                suppress=False,
            )
    counts = {
        "authorize": len(authorize),
        "start": len(start),
        "meter_values": len(meter_values),
        "stop": len(stop),
    }
    assert counts["authorize"] <= AUTHORIZE, (counts, authorize)
    assert counts["start"] <= START, (counts, start)
    assert counts["meter_values"] <= METER_VALUES, (counts, meter_values)
    assert counts["stop"] <= STOP, (counts, stop)


async def test_v201_transaction_event_statements(served: Served, depot: None) -> None:
    tx = "5f1c0a4e-0000-4000-8000-000000000001"
    readings = [mv(f"2026-03-01T10:{i:02d}:00Z", sv(1000 + 100 * i)) for i in range(1, SAMPLES + 1)]
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(
            tx_event(
                "Started", 0, tx, "2026-03-01T10:00:00Z", mv("2026-03-01T10:00:00Z", sv(1000)), token=CARD
            )
        )
        with counting(served.runtime.engine) as updated:
            await cp.call(tx_event("Updated", 1, tx, "2026-03-01T10:20:00Z", *readings), suppress=False)
    assert len(updated) <= TRANSACTION_EVENT, (len(updated), updated)


async def test_a_reboot_closes_open_sessions_in_a_fixed_number_of_statements(
    served: Served, depot: None
) -> None:
    boot = call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB")
    async with station16(served, "HH-02") as cp:
        await cp.call(boot)
        with counting(served.runtime.engine) as one:
            await cp.call(boot)  # nothing open
        for connector in (1, 2):
            tx = (
                await cp.call(
                    call.StartTransaction(
                        connector_id=connector,
                        id_tag=CARD,
                        meter_start=1000,
                        timestamp=f"2026-03-01T10:0{connector}:00Z",
                    )
                )
            ).transaction_id
            await cp.call(
                call.MeterValues(connector_id=connector, transaction_id=tx, meter_value=_readings16(1000))
            )
        with counting(served.runtime.engine) as two_open:
            await cp.call(boot)
    assert len(two_open) <= BOOT_CLOSING, (len(two_open), two_open)
    assert len(two_open) - len(one) == 2, (one, two_open)  # the sessions' readings, one update
