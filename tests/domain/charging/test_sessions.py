"""The charging session's rules, one example each: the meters of 1.6 (reported) and 2.0.1 (read
from the register readings), energy, every flag, replayed and reopening stops, orphans, the close
on a reboot, a token named after the start, and the attribution frozen at the start."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from depotshare.domain.charging.attribution import Attribution, TokenFacts
from depotshare.domain.charging.meter import TRANSACTION_BEGIN, TRANSACTION_END, Reading
from depotshare.domain.charging.sessions import (
    Answer,
    ChargingSession,
    SessionState,
    Stop,
)

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
V16, V201 = "ocpp1.6", "ocpp2.0.1"
OWNER = Attribution(owner_org_id=1)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def r(minutes: int, wh: int, context: str | None = None) -> Reading:
    return Reading(at(minutes), wh, context)


def v16(meter_start: int = 1000) -> ChargingSession:
    return ChargingSession.start("1", V16, T0, OWNER, meter_start_wh=meter_start)


def v201(*readings: Reading) -> ChargingSession:
    return ChargingSession.start("tx", V201, T0, OWNER, readings=readings)


# --- 1.6: the station reports both meters --------------------------------------------------------


def test_reported_meters_make_the_energy() -> None:
    s = v16(1000).record([r(15, 2000), r(30, 3500)]).end(at(60), "EVDisconnected", meter_stop_wh=4200)
    assert (s.state, s.meter_start_wh, s.meter_stop_wh, s.energy_wh) == (
        SessionState.COMPLETED,
        1000,
        4200,
        3200,
    )
    assert (s.stop and s.stop.reason, s.flags) == ("EVDisconnected", frozenset())


def test_an_open_session_has_no_energy() -> None:
    assert v16().record([r(15, 2000)]).energy_wh is None


def test_stop_below_start_is_flagged_without_energy() -> None:
    s = v16(5000).end(at(60), "Local", meter_stop_wh=4000)
    assert (s.flag_names, s.energy_wh, s.meter_stop_wh) == (["stop_below_start"], None, 4000)


def test_stop_without_a_final_meter_is_flagged() -> None:
    s = v16().end(at(60), "Local")
    assert (s.flag_names, s.energy_wh) == (["no_meter_stop"], None)


def test_a_reading_lower_than_an_earlier_one_is_flagged() -> None:
    s = v16(1000).record([r(10, 3000)]).record([r(20, 2500)]).end(at(60), "Local", meter_stop_wh=4000)
    assert (s.flag_names, s.energy_wh) == (["meter_backwards"], 3000)


def test_a_reading_below_the_start_meter_is_flagged() -> None:
    assert v16(1000).record([r(10, 900)]).flag_names == ["meter_backwards"]


def test_a_reported_final_meter_below_a_reading_before_it_is_flagged() -> None:
    s = v16(1000).record([r(10, 3000)]).end(at(60), "Local", meter_stop_wh=2000)
    assert s.flag_names == ["meter_backwards"]


def test_readings_taken_at_one_instant_are_not_ordered() -> None:
    assert v16(1000).record([r(10, 3000), r(10, 2000)]).flags == frozenset()


def test_late_readings_never_change_a_reported_final_meter() -> None:
    s = v16(1000).end(at(60), "Local", meter_stop_wh=2000).record([r(30, 2600)])
    assert (s.meter_stop_wh, s.energy_wh, s.flag_names) == (2000, 1000, ["meter_backwards"])


def test_a_replayed_or_second_stop_changes_nothing() -> None:
    stopped = v16(1000).end(at(60), "Local", meter_stop_wh=5000)
    assert stopped.end(at(60), "Local", meter_stop_wh=5000) == stopped
    assert stopped.end(at(120), "Other", meter_stop_wh=9000).stop == stopped.stop


# --- 2.0.1: the meters are read from the transaction's register readings -------------------------


def test_start_meter_is_the_begin_reading_and_final_the_end_reading() -> None:
    s = v201(r(0, 1000, TRANSACTION_BEGIN)).record([r(15, 2500), r(30, 3500)])
    s = s.end(at(45), "EVDisconnected", readings=[r(45, 4200, TRANSACTION_END)])
    assert (s.meter_start_wh, s.meter_stop_wh, s.energy_wh, s.flags) == (1000, 4200, 3200, frozenset())


def test_without_a_start_reading_the_first_reading_is_the_start() -> None:
    s = v201().record([r(15, 1100)]).end(at(30), "Local", readings=[r(30, 1900, TRANSACTION_END)])
    assert (s.meter_start_wh, s.energy_wh) == (1100, 800)


def test_the_stops_own_reading_is_no_start() -> None:
    s = v201().end(at(30), "Local", readings=[r(30, 1900, TRANSACTION_END)])
    assert (s.meter_start_wh, s.meter_stop_wh, s.energy_wh) == (None, 1900, None)


def test_without_an_end_reading_the_final_meter_is_the_highest_reading_up_to_the_stop() -> None:
    s = v201(r(0, 1000)).record([r(15, 1800), r(90, 9999)]).end(at(45), "Local")
    assert (s.meter_stop_wh, s.energy_wh, s.flags) == (1800, 800, frozenset())


def test_late_readings_raise_a_final_meter_read_from_the_readings() -> None:
    s = v201(r(0, 1000)).record([r(15, 1800)]).end(at(45), "Local").record([r(30, 2600)])
    assert (s.meter_stop_wh, s.energy_wh, s.flags) == (2600, 1600, frozenset())


def test_no_reading_at_all_is_no_final_meter_until_one_comes() -> None:
    s = v201().end(at(45), "Local")
    assert (s.meter_stop_wh, s.flag_names) == (None, ["no_meter_stop"])
    s = s.record([r(0, 1000), r(30, 1500)])
    assert (s.meter_start_wh, s.meter_stop_wh, s.energy_wh, s.flags) == (1000, 1500, 500, frozenset())


def test_a_late_reading_above_the_end_reading_is_flagged() -> None:
    s = v201(r(0, 1000)).end(at(45), "Local", readings=[r(45, 2000, TRANSACTION_END)])
    s = s.record([r(15, 2600)])
    assert (s.meter_stop_wh, s.energy_wh, s.flag_names) == (2000, 1000, ["meter_backwards"])


# --- orphans: a stop or an event for a transaction whose start we never saw -------------------


def test_an_unknown_start_ends_as_an_orphan() -> None:
    s = ChargingSession.start("tx", V201, None, OWNER).record([r(15, 2000)])
    assert (s.state, s.flag_names, s.started_at) == (SessionState.ACTIVE, ["orphan"], None)
    s = s.end(at(30), "Local", readings=[r(30, 2500, TRANSACTION_END)])
    assert (s.state, s.flag_names, s.meter_start_wh, s.meter_stop_wh, s.energy_wh) == (
        SessionState.ORPHAN,
        ["orphan"],
        None,  # the first reading is no start meter while the start is unknown
        2500,
        None,
    )


def test_a_16_orphan_takes_its_start_meter_from_the_begin_reading() -> None:
    s = ChargingSession.start("orphan:9", V16, None, OWNER)
    s = s.end(
        at(60),
        "Local",
        meter_stop_wh=1900,
        readings=[r(0, 700, TRANSACTION_BEGIN), r(60, 1900, TRANSACTION_END)],
    )
    assert (s.state, s.flag_names, s.meter_start_wh, s.energy_wh) == (
        SessionState.ORPHAN,
        ["orphan"],
        700,
        1200,
    )
    assert s.end(at(60), "Local", meter_stop_wh=1900) == s  # replayed


def test_the_late_start_completes_an_orphan() -> None:
    s = ChargingSession.start("tx", V201, None, OWNER).end(
        at(45), "Local", readings=[r(45, 4000, TRANSACTION_END)]
    )
    s = s.record([r(30, 3000), r(15, 2000)]).start_known(T0, [r(0, 1000, TRANSACTION_BEGIN)])
    assert (s.state, s.flags, s.started_at, s.meter_start_wh, s.energy_wh) == (
        SessionState.COMPLETED,
        frozenset(),
        T0,
        1000,
        3000,
    )


def test_a_second_start_changes_nothing() -> None:
    s = v201(r(0, 1000))
    assert s.start_known(at(5)) == s


# --- a reboot closes what the station lost; its real stop reopens it ---------------------------


def test_reboot_closes_at_the_last_reading_and_the_real_stop_reopens() -> None:
    s = v16(1000).record([r(10, 2500)]).close_on_reboot(at(30))
    assert (s.state, s.stop, s.energy_wh, s.flag_names) == (
        SessionState.COMPLETED,
        Stop(at(10), 2500, "Reboot"),
        1500,
        ["missing_stop", "closed_on_reboot"],
    )
    assert s.close_on_reboot(at(40)) == s
    s = s.end(at(12), "Local", meter_stop_wh=2800)
    assert (s.stop and s.stop.reason, s.meter_stop_wh, s.energy_wh, s.flag_names) == (
        "Local",
        2800,
        1800,
        ["closed_on_reboot"],
    )
    assert s.end(at(20), "Local", meter_stop_wh=3000) == s  # reopened once only


def test_reboot_without_readings_closes_at_the_boot_without_a_final_meter() -> None:
    s = v201().close_on_reboot(at(30))
    assert (s.stop and s.stop.at, s.meter_stop_wh, s.flag_names) == (
        at(30),
        None,
        ["missing_stop", "closed_on_reboot", "no_meter_stop"],
    )
    s = s.end(at(20), "PowerLoss", readings=[r(0, 1000), r(20, 1700, TRANSACTION_END)])
    assert (s.energy_wh, s.flag_names) == (700, ["closed_on_reboot"])


def test_a_stopped_session_needs_all_its_readings() -> None:
    partial = replace(v16(1000), readings_complete=False)
    assert partial.record([r(10, 900)]).flag_names == ["meter_backwards"]  # what a view can tell
    with pytest.raises(ValueError):
        partial.end(at(60), "Local", meter_stop_wh=2000)


# --- tokens and attribution ----------------------------------------------------------------------


def test_a_refused_token_still_starts_a_flagged_session() -> None:
    s = ChargingSession.start(
        "1", V16, T0, OWNER, meter_start_wh=0, answer=Answer("Invalid", "no"), accepted=False
    )
    assert (s.state, s.flag_names) == (SessionState.ACTIVE, ["unauthorised"])


def test_a_token_named_after_the_plug_in_is_attributed_once() -> None:
    home = Attribution.frozen(1, home_employee_id=7)
    s = ChargingSession.start("tx", V201, T0, home)
    card = TokenFacts(token_id=3, org_id=2, vehicle_id=5)
    s = s.attribute(home.with_token("CARD", "ISO14443", card), Answer("Blocked", "blocked"), accepted=False)
    a = s.attribution
    assert (a.id_token, a.token_id, a.token_org_id, a.employee_id, a.vehicle_id) == ("CARD", 3, 2, 7, 5)
    assert (s.answer, s.flag_names) == (Answer("Blocked", "blocked"), ["unauthorised"])
    other = home.with_token("OTHER", None, None)
    assert s.attribute(other, Answer("Accepted", ""), accepted=True) == s


@pytest.mark.parametrize(
    ("token", "employee", "cost_centre"),
    [
        (
            TokenFacts(
                1, 2, employee_id=3, cost_centre_id=10, employee_cost_centre_id=20, vehicle_cost_centre_id=30
            ),
            3,
            10,
        ),
        (TokenFacts(1, 2, employee_id=3, employee_cost_centre_id=20, vehicle_cost_centre_id=30), 3, 20),
        (TokenFacts(1, 2, vehicle_cost_centre_id=30), 9, 30),  # the home charger's employee
        (None, 9, None),
    ],
)
def test_attribution_precedence(token: TokenFacts | None, employee: int, cost_centre: int | None) -> None:
    a = Attribution.frozen(5, home_employee_id=9, id_token="CARD", token=token)
    assert (a.owner_org_id, a.employee_id, a.cost_centre_id) == (5, employee, cost_centre)
    assert (a.token_id, a.token_org_id) == ((1, 2) if token else (None, None))


def test_events_note_order_offline_and_the_evse() -> None:
    s = (
        v201()
        .noted(seq_no=3, offline=True, evse_id=2, connector_id=1)
        .noted(seq_no=1, evse_id=3, connector_id=1)
    )
    assert (s.last_seq_no, s.offline, s.evse_id, s.connector_id) == (3, True, 2, 1)
