"""Charging sessions over OCPP 2.0.1 TransactionEvents, end to end: the life cycle with units and
multipliers, the frozen attribution, and the ordering rules: a replayed seqNo changes nothing,
events queued offline arrive late and out of order and still make one correct session, an Ended
without a Started is kept flagged, a refused token is answered and flagged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp.v201 import call

from depotshare.store.fleet.models import Employee, Token
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import BLOCKED, CARD, PARTNER, Served
from tests.ocpp.v201_station import (
    ENERGY,
    booted,
    event_records,
    meter_rows,
    mv,
    session_of,
    sessions_count,
    station201,
    sv,
    tx_event,
)

TX = "5f1c0a4e-0000-4000-8000-000000000001"
T0, T1, T2, T3 = (f"2026-03-01T10:{m:02d}:00Z" for m in (0, 15, 30, 45))


def tx_ended(seq_no: int, at: str, final_wh: float, **event: Any) -> call.TransactionEvent:
    """TX's Ended event at `at`, carrying the transaction's final register reading."""
    return tx_event("Ended", seq_no, TX, at, mv(at, sv(final_wh, context="Transaction.End")), **event)


async def test_life_cycle_with_units_and_multipliers(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        started = await cp.call(
            tx_event("Started", 0, TX, T0, mv(T0, sv(1000, context="Transaction.Begin")), token=CARD)
        )
        assert started.id_token_info["status"] == "Accepted"
        assert started.id_token_info["group_id_token"] == {"id_token": "ACME-FLEET", "type": "Central"}
        assert started.id_token_info["cache_expiry_date_time"].startswith("2099-12-31T23:00:00")
        periodic = mv(
            T1,
            sv(2.5, context="Sample.Periodic", measurand=ENERGY, unit="kWh"),  # 2500 Wh
            sv(11, measurand="Power.Active.Import", unit="W", multiplier=3),  # 11 kW
            sv(16.1, measurand="Current.Import", unit="A", phase="L1"),
        )
        await cp.call(tx_event("Updated", 1, TX, T1, periodic))
        await cp.call(tx_event("Updated", 2, TX, T2, mv(T2, sv(35, unit="Wh", multiplier=2))))  # 3500 Wh
        ended = await cp.call(
            tx_event(
                "Ended",
                3,
                TX,
                T3,
                mv(T3, sv(4.2, context="Transaction.End", unit="kWh")),
                stopped_reason="EVDisconnected",
                trigger="EVCommunicationLost",
            )
        )
        assert ended.id_token_info is None  # no idToken in the request, none in the answer

    row = await session_of(served, TX)
    assert (row.state, row.protocol, row.flags, row.flagged) == ("completed", "ocpp2.0.1", [], False)
    assert (row.meter_start_wh, row.meter_stop_wh, row.energy_wh) == (1000, 4200, 3200)
    assert (row.evse_id, row.connector_id, row.stop_reason, row.last_seq_no) == (1, 1, "EVDisconnected", 3)
    assert (row.id_token, row.id_token_type, row.auth_status) == (CARD, "ISO14443", "Accepted")
    assert row.started_at is not None and row.started_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert row.stopped_at is not None and row.stopped_at.isoformat() == "2026-03-01T10:45:00+00:00"
    async with served.runtime.uow() as uow:
        token = await uow.session.get(Token, row.token_id)
        assert token is not None and token.uid == CARD
        assert row.token_org_id == token.org_id and row.owner_org_id is not None
        assert row.employee_id is None or await uow.session.get(Employee, row.employee_id) is not None
    samples = await meter_rows(served, row.id)
    assert [(s.measurand, s.unit, s.multiplier, s.value) for s in samples if s.sampled_at.minute == 15] == [
        (ENERGY, "kWh", 0, Decimal("2.5")),
        ("Power.Active.Import", "W", 3, Decimal(11)),
        ("Current.Import", "A", 0, Decimal("16.1")),
    ]
    assert [s.context for s in samples if s.measurand == ENERGY] == [
        "Transaction.Begin",
        "Sample.Periodic",
        None,
        "Transaction.End",
    ]
    assert await event_records(served, row.id) == [
        (0, "Started", False),
        (1, "Updated", False),
        (2, "Updated", False),
        (3, "Ended", False),
    ]


async def test_replayed_seq_no_changes_nothing(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        start = tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=CARD)
        first = await cp.call(start)
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(2000))))
        # The station lost our answers and sends again; one even with other readings under seqNo 1.
        again = await cp.call(start)
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(2000))))
        await cp.call(tx_event("Updated", 1, TX, T2, mv(T2, sv(9999))))
        await cp.call(tx_ended(2, T3, 3000))
        await cp.call(tx_ended(2, T3, 3000))
    assert again.id_token_info == first.id_token_info
    assert await sessions_count(served) == 1
    row = await session_of(served, TX)
    assert [int(s.value) for s in await meter_rows(served, row.id)] == [1000, 2000, 3000]
    assert (row.state, row.energy_wh, row.flagged) == ("completed", 2000, False)
    assert [seq for seq, *_ in await event_records(served, row.id)] == [0, 1, 2]


async def test_offline_events_out_of_order_make_one_correct_session(served: Served, depot: None) -> None:
    """Queued offline and delivered backwards: the Ended first, the Started last."""
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_ended(3, T3, 4000, offline=True, stopped_reason="Local"))
        ended_first = await session_of(served, TX)
        await cp.call(tx_event("Updated", 2, TX, T2, mv(T2, sv(3000)), offline=True))
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(2000)), offline=True))
        await cp.call(
            tx_event(
                "Started", 0, TX, T0, mv(T0, sv(1000, context="Transaction.Begin")), token=CARD, offline=True
            )
        )
    assert (ended_first.state, ended_first.flags, ended_first.energy_wh) == ("orphan", ["orphan"], None)
    row = await session_of(served, TX)
    assert (row.state, row.flags, row.flagged, row.offline) == ("completed", [], False, True)
    assert (row.meter_start_wh, row.meter_stop_wh, row.energy_wh) == (1000, 4000, 3000)
    assert row.started_at is not None and row.started_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert row.stopped_at is not None and row.stopped_at.isoformat() == "2026-03-01T10:45:00+00:00"
    assert row.auth_status == "Accepted" and row.token_id is not None  # the token came with the late Started
    samples = await meter_rows(served, row.id)
    assert [(s.sampled_at.minute, int(s.value)) for s in samples] == [
        (0, 1000),
        (15, 2000),
        (30, 3000),
        (45, 4000),
    ]
    assert [r[2] for r in await event_records(served, row.id)] == [True] * 4


async def test_ended_without_started_is_kept_flagged(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Updated", 5, TX, T1, mv(T1, sv(2000))))
        open_row = await session_of(served, TX)
        await cp.call(tx_ended(6, T2, 2500))
    assert (open_row.state, open_row.flags, open_row.started_at) == ("active", ["orphan"], None)
    row = await session_of(served, TX)
    assert (row.state, row.flags, row.flagged) == ("orphan", ["orphan"], True)
    assert (row.meter_start_wh, row.meter_stop_wh, row.energy_wh, row.stop_reason) == (
        None,
        2500,
        None,
        "Local",
    )


async def test_final_meter_is_the_highest_reading_without_an_end_reading(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=CARD))
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(1800))))
        await cp.call(tx_event("Ended", 3, TX, T3))  # no reading of its own
        done = await session_of(served, TX)
        await cp.call(tx_event("Updated", 2, TX, T2, mv(T2, sv(2600)), offline=True))  # late, before the end
    assert (done.meter_stop_wh, done.energy_wh, done.flagged) == (1800, 800, False)
    row = await session_of(served, TX)
    assert (row.state, row.meter_stop_wh, row.energy_wh, row.flagged) == ("completed", 2600, 1600, False)


async def test_late_reading_above_the_end_reading_is_flagged(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=CARD))
        await cp.call(tx_ended(2, T3, 2000))
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(2600)), offline=True))
    row = await session_of(served, TX)
    assert (row.meter_stop_wh, row.energy_wh) == (2000, 1000)
    assert row.flags == ["meter_backwards"] and row.flagged


async def test_refused_tokens_are_answered_and_flagged(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        blocked = await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=BLOCKED))
        partner = await cp.call(
            tx_event("Started", 0, "tx-partner", T0, mv(T0, sv(1000)), token=PARTNER, evse=2)
        )
        await cp.call(
            tx_event(
                "Ended", 1, TX, T1, mv(T1, sv(1200)), stopped_reason="DeAuthorized", trigger="Deauthorized"
            )
        )
    assert blocked.id_token_info["status"] == "Blocked"
    assert partner.id_token_info["status"] == "NotAtThisLocation"
    row = await session_of(served, TX)
    assert (row.auth_status, row.flags, row.flagged, row.stop_reason) == (
        "Blocked",
        ["unauthorised"],
        True,
        "DeAuthorized",
    )
    other = await session_of(served, "tx-partner")
    assert (other.auth_status, other.flags, other.state) == ("NotAtThisLocation", ["unauthorised"], "active")


async def test_token_given_after_the_plug_in_is_attributed(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        plugged = await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), trigger="CablePluggedIn"))
        authorized = await cp.call(tx_event("Updated", 1, TX, T1, trigger="Authorized", token=CARD))
        await cp.call(tx_event("Ended", 2, TX, T2, mv(T2, sv(1500)), token=CARD))
    assert plugged.id_token_info is None
    assert authorized.id_token_info["status"] == "Accepted"
    row = await session_of(served, TX)
    assert (row.id_token, row.auth_status, row.flagged, row.energy_wh) == (CARD, "Accepted", False, 500)
    assert row.token_id is not None and row.token_org_id is not None


async def test_started_without_a_reading_takes_the_first_one(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Started", 0, TX, T0, token=CARD))
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(1100))))
        await cp.call(tx_ended(2, T2, 1900))
    row = await session_of(served, TX)
    assert (row.meter_start_wh, row.meter_stop_wh, row.energy_wh, row.flagged) == (1100, 1900, 800, False)


async def test_reboot_closes_open_transactions_and_the_late_end_completes_them(
    served: Served, depot: None
) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=CARD))
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(1500))))
        await booted(cp, reason="Triggered")  # asked for by us: no restart, nothing closed
        assert (await session_of(served, TX)).state == "active"
        await booted(cp, reason="PowerUp")
        closed = await session_of(served, TX)
        await cp.call(tx_ended(2, T2, 1700, offline=True, stopped_reason="PowerLoss"))
    assert (closed.state, closed.stop_reason, closed.meter_stop_wh) == ("completed", "Reboot", 1500)
    assert closed.flags == ["missing_stop", "closed_on_reboot"]
    row = await session_of(served, TX)
    assert (row.state, row.stop_reason, row.meter_stop_wh, row.energy_wh) == (
        "completed",
        "PowerLoss",
        1700,
        700,
    )
    assert row.flags == ["closed_on_reboot"]  # still worth a look; the missing stop came


async def test_signed_meter_values_keep_the_reading_and_the_proof(served: Served, depot: None) -> None:
    ocmf = 'OCMF|{"FV":"1.0","RD":[{"RV":2.0,"RU":"kWh"}]}|{"SD":"3045"}'
    signed = {
        "signed_meter_data": ocmf,
        "signing_method": "ECDSA-secp256r1-SHA256",
        "encoding_method": "OCMF",
        "public_key": "",
    }
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=CARD))
        await cp.call(
            tx_event(
                "Ended", 1, TX, T1, mv(T1, sv(2.0, unit="kWh", context="Transaction.End", signed=signed))
            )
        )
    row = await session_of(served, TX)
    assert (row.meter_stop_wh, row.energy_wh, row.flagged) == (2000, 1000, False)
    end = [s for s in await meter_rows(served, row.id) if s.context == "Transaction.End"]
    assert [(s.value, s.signed_data, s.signing_method) for s in end] == [
        (Decimal(2), None, None),
        (Decimal(2), ocmf, "ECDSA-secp256r1-SHA256"),
    ]


async def test_meter_values_outside_a_transaction_stay_with_the_station(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        from ocpp.v201 import call

        await cp.call(
            call.MeterValues(evse_id=2, meter_value=[mv(T1, sv(0.5, unit="kWh", context="Sample.Clock"))])
        )
    rows = await meter_rows(served)
    assert [(r.session_id, r.evse_id, r.value, r.unit) for r in rows] == [(None, 2, Decimal("0.5"), "kWh")]
    async with served.runtime.uow() as uow:
        station = await uow.session.get(ChargingStation, rows[0].station_id)
        assert station is not None and station.ocpp_id == "HH-02"


async def test_register_sample_in_a_power_unit_is_kept_but_never_read(served: Served, depot: None) -> None:
    # A register sampledValue whose unitOfMeasure says kW: stored, never an energy figure, never
    # the Ended event's own reading, and no later event trips on it.
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(tx_event("Started", 0, TX, T0, mv(T0, sv(1000)), token=CARD), suppress=False)
        await cp.call(tx_event("Updated", 1, TX, T1, mv(T1, sv(11, unit="kW"))), suppress=False)
        await cp.call(tx_event("Updated", 2, TX, T2, mv(T2, sv(2.5, unit="kWh"))), suppress=False)
        end = mv(T3, sv(7, unit="kW", context="Transaction.End"))
        await cp.call(tx_event("Ended", 4, TX, T3, end), suppress=False)
        done = await session_of(served, TX)
        late = mv("2026-03-01T10:40:00Z", sv(3100, unit="Wh"))  # offline, taken before the end
        await cp.call(tx_event("Updated", 3, TX, "2026-03-01T10:40:00Z", late, offline=True), suppress=False)
    assert (done.meter_stop_wh, done.energy_wh, done.flags) == (2500, 1500, [])
    row = await session_of(served, TX)
    # The kW sample is no end reading of the Ended event: the final meter still grows.
    assert (row.state, row.meter_stop_wh, row.energy_wh, row.flags) == ("completed", 3100, 2100, [])
    units = [(s.sampled_at.minute, s.unit) for s in await meter_rows(served, row.id)]
    assert units == [(0, None), (15, "kW"), (30, "kWh"), (40, "Wh"), (45, "kW")]


async def test_a_start_without_a_reading_delivered_last_makes_the_same_session(
    served: Served, depot: None
) -> None:
    # The start meter of a Started without a reading is the first reading before the end: the same
    # whether the events come in order or the station's queue delivers them backwards (where the
    # Ended's own reading was taken for the start, energy 0, or nothing was, energy unknown).
    other = "5f1c0a4e-0000-4000-8000-000000000002"
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        in_order = [
            tx_event("Started", 0, TX, T0, token=CARD),
            tx_event("Updated", 1, TX, T1, mv(T1, sv(1100))),
            tx_ended(2, T2, 1900),
        ]
        for event in in_order:
            await cp.call(event, suppress=False)
        for event in reversed(in_order):
            event.transaction_info = {**event.transaction_info, "transaction_id": other}
            event.offline = True
            await cp.call(event, suppress=False)
    first, second = await session_of(served, TX), await session_of(served, other)
    for row in (first, second):
        assert (row.state, row.flags) == ("completed", [])
        assert (row.meter_start_wh, row.meter_stop_wh, row.energy_wh) == (1100, 1900, 800)
