"""Remote commands to OCPP 2.0.1 stations through runtime.station_commands: each protocol-neutral
command becomes its 2.0.1 message (checked on a recording station), the 1.6-only ones are refused
before anything is sent, and remote start/stop drive a simulated station's session end to end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.errors import InvalidInput, StationError
from depotshare.services.common.ports import StationCommands
from depotshare.simulator import scenario as sc
from depotshare.simulator.config import SimConfig
from depotshare.simulator.runner import run_stations
from depotshare.store.charging.models import ChargingSession, MeterValue
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import CARD, Served, eventually
from tests.ocpp.v201_station import booted, station201, station_events


def _port(served: Served) -> StationCommands:
    assert served.runtime.station_commands is not None
    return served.runtime.station_commands


VARIABLE = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}

ANSWERED: list[tuple[cmd.Command, str, dict[str, Any], str | None]] = [
    # (command, 2.0.1 action, payload the station received (snake_case), status answered)
    (
        cmd.RemoteStop("5f1c0a4e-0000-4000-8000-000000000001"),
        "RequestStopTransaction",
        {"transaction_id": "5f1c0a4e-0000-4000-8000-000000000001"},
        "Accepted",
    ),
    (cmd.Reset("hard"), "Reset", {"type": "Immediate"}, "Accepted"),
    (cmd.Reset(), "Reset", {"type": "OnIdle"}, "Accepted"),
    (cmd.UnlockConnector(evse_id=2), "UnlockConnector", {"evse_id": 2, "connector_id": 1}, "Unlocked"),
    (
        cmd.ChangeAvailability(operative=False, evse_id=2),
        "ChangeAvailability",
        {"operational_status": "Inoperative", "evse": {"id": 2}},
        "Accepted",
    ),
    (
        cmd.ChangeAvailability(operative=True),
        "ChangeAvailability",
        {"operational_status": "Operative"},
        "Accepted",
    ),
    (
        cmd.GetVariables([{**VARIABLE, "attributeType": "Actual"}]),
        "GetVariables",
        {"get_variable_data": [{**VARIABLE, "attribute_type": "Actual"}]},
        None,
    ),
    (
        cmd.SetVariables([{**VARIABLE, "attributeValue": "120"}]),
        "SetVariables",
        {"set_variable_data": [{**VARIABLE, "attribute_value": "120"}]},
        None,
    ),
    (
        cmd.GetBaseReport(request_id=3, report_base="ConfigurationInventory"),
        "GetBaseReport",
        {"request_id": 3, "report_base": "ConfigurationInventory"},
        "Accepted",
    ),
    (
        cmd.TriggerMessage("StatusNotification", evse_id=1),
        "TriggerMessage",
        {"requested_message": "StatusNotification", "evse": {"id": 1}},
        "Accepted",
    ),
    (cmd.ClearCache(), "ClearCache", {}, "Accepted"),
    (
        cmd.Raw("SendLocalList", {"versionNumber": 4, "updateType": "Full"}),
        "SendLocalList",
        {"version_number": 4, "update_type": "Full"},
        "Accepted",
    ),
    (
        cmd.Raw(
            "ReserveNow",
            {
                "id": 9,
                "expiryDateTime": "2026-03-01T12:00:00Z",
                "idToken": {"idToken": CARD, "type": "ISO14443"},
            },
        ),
        "ReserveNow",
        {
            "id": 9,
            "expiry_date_time": "2026-03-01T12:00:00Z",
            "id_token": {"id_token": CARD, "type": "ISO14443"},
        },
        "Accepted",
    ),
    (
        cmd.Raw("CancelReservation", {"reservationId": 9}),
        "CancelReservation",
        {"reservation_id": 9},
        "Accepted",
    ),
    (
        cmd.Raw(
            "SetChargingProfile",
            {
                "evseId": 1,
                "chargingProfile": {
                    "id": 1,
                    "stackLevel": 0,
                    "chargingProfilePurpose": "TxDefaultProfile",
                    "chargingProfileKind": "Absolute",
                    "chargingSchedule": [
                        {
                            "id": 1,
                            "chargingRateUnit": "W",
                            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
                        }
                    ],
                },
            },
        ),
        "SetChargingProfile",
        {"evse_id": 1},
        "Accepted",
    ),
    (
        cmd.Raw("ClearChargingProfile", {"chargingProfileId": 1}),
        "ClearChargingProfile",
        {"charging_profile_id": 1},
        "Accepted",
    ),
]


@pytest.mark.parametrize(
    ("command", "action", "payload", "status"), ANSWERED, ids=[f"{a[1]}-{i}" for i, a in enumerate(ANSWERED)]
)
async def test_command_translated_and_answered(
    served: Served,
    depot: None,
    command: cmd.Command,
    action: str,
    payload: dict[str, Any],
    status: str | None,
) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        result = await _port(served).send("HH-02", command, timeout=5)
    assert result.action == action
    assert result.status == status
    (got_action, got), *_ = cp.received
    assert got_action == action
    assert {k: got[k] for k in payload} == payload
    if action == "GetVariables":
        assert result.payload["getVariableResult"][0]["attributeValue"] == "300"


async def test_remote_start_names_the_token_and_a_fresh_remote_start_id(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        first = await _port(served).send("HH-02", cmd.RemoteStart(CARD, evse_id=2), timeout=5)
        await _port(served).send("HH-02", cmd.RemoteStart("DE*ABC*C123456*7"), timeout=5)
        await _port(served).send("HH-02", cmd.RemoteStart("fleet-42"), timeout=5)
    assert (first.action, first.status) == ("RequestStartTransaction", "Accepted")
    sent = [p for a, p in cp.received if a == "RequestStartTransaction"]
    assert sent[0]["id_token"] == {"id_token": CARD, "type": "ISO14443"} and sent[0]["evse_id"] == 2
    assert [p["id_token"]["type"] for p in sent[1:]] == ["eMAID", "Central"]
    ids = [p["remote_start_id"] for p in sent]
    assert len(set(ids)) == 3 and all(isinstance(i, int) for i in ids)


@pytest.mark.parametrize(
    "command", [cmd.GetConfiguration(["HeartbeatInterval"]), cmd.ChangeConfiguration("A", "1")]
)
async def test_16_only_commands_refused_naming_them(
    served: Served, depot: None, command: cmd.Command
) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        with pytest.raises(InvalidInput) as e:
            await _port(served).send("HH-02", command, timeout=5)
    assert type(command).__name__ in e.value.detail and "1.6 only" in e.value.detail
    assert cp.received == []


async def test_station_error_and_bad_raw(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        cp.answers["Reset"] = "Rejected"
        assert (await _port(served).send("HH-02", cmd.Reset(), timeout=5)).status == "Rejected"
        with pytest.raises(InvalidInput):
            await _port(served).send("HH-02", cmd.Raw("RemoteStartTransaction", {"idTag": CARD}), timeout=5)
        with pytest.raises(InvalidInput):
            await _port(served).send(
                "HH-02", cmd.Raw("CancelReservation", {"reservationId": "nine"}), timeout=5
            )
        with pytest.raises(StationError):  # the test station handles no GetDisplayMessages
            await _port(served).send("HH-02", cmd.Raw("GetDisplayMessages", {"requestId": 1}), timeout=5)


# --- with the simulator as the station --------------------------------------------------------


async def _session(served: Served, **where: Any) -> ChargingSession | None:
    async with served.runtime.uow() as uow:
        stmt = select(ChargingSession)
        for key, value in where.items():
            stmt = stmt.where(getattr(ChargingSession, key) == value)
        row = await uow.session.scalar(stmt)
        if row is not None:
            uow.session.expunge(row)
        return row


@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp1.6"])
async def test_remote_start_and_stop_drive_a_session(served: Served, depot: None, protocol: str) -> None:
    cfg = SimConfig(
        url=f"{served.url}/ocpp",
        station_ids=("HH-02",),
        protocol=protocol,
        meter_interval_s=6.0,
        speed=60.0,
        duration_s=0,
        call_timeout_s=10.0,
        meter_start_wh=5000,
        scenario=sc.parse_scenario(["boot", {"status": {"status": "Available"}}, "hold"], protocol),
    )
    stopping = asyncio.Event()
    station = asyncio.create_task(run_stations(cfg, stopping=stopping))
    port = _port(served)
    assert await eventually(lambda: _async(port.is_connected("HH-02")))
    assert await eventually(lambda: _booted_station(served), within=10)

    started = await port.send("HH-02", cmd.RemoteStart(CARD, evse_id=1), timeout=5)
    assert started.status == "Accepted"
    row = await eventually(lambda: _session(served, state="active"))
    assert row is not None and row.id_token == CARD and row.auth_status == "Accepted"
    assert await eventually(lambda: _charged(served, row.id), within=10)
    stopped = await port.send("HH-02", cmd.RemoteStop(row.transaction_id), timeout=5)
    assert stopped.status == "Accepted"
    done = await eventually(lambda: _session(served, state="completed"))
    report = (
        await port.send("HH-02", cmd.GetBaseReport(request_id=11), timeout=5)
        if protocol == "ocpp2.0.1"
        else None
    )
    stopping.set()
    stats = await station

    assert stats.errors == 0, stats.error_samples
    assert done is not None and done.stop_reason == "Remote" and not done.flagged
    assert done.meter_start_wh == 5000 and done.energy_wh is not None and done.energy_wh > 0
    if report is not None:
        assert report.status == "Accepted"
        notified = await eventually(lambda: station_events(served, "NotifyReport"))
        assert notified[0].payload["requestId"] == 11


async def _async(value: Any) -> Any:
    return value


async def _booted_station(served: Served) -> bool:
    async with served.runtime.uow() as uow:
        booted = await uow.session.scalar(
            select(ChargingStation.last_boot_at).where(ChargingStation.ocpp_id == "HH-02")
        )
        return booted is not None


async def _charged(served: Served, session_id: int) -> bool:
    """A periodic meter value with more than the start register has come in."""
    async with served.runtime.uow() as uow:
        highest = await uow.session.scalar(
            select(func.max(MeterValue.value)).where(
                MeterValue.session_id == session_id, MeterValue.measurand == "Energy.Active.Import.Register"
            )
        )
        return highest is not None and highest > 5000
