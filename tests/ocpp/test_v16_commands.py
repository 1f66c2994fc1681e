"""Remote commands through runtime.station_commands (the StationCommands port), answered by a
real 1.6 station over its websocket, timed out, refused with a CALLERROR, and offline."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.errors import InvalidInput, StationError, StationOffline, StationTimeout
from depotshare.services.common.ports import StationCommands
from tests.ocpp.conftest import Served, station16


def _port(served: Served) -> StationCommands:
    assert served.runtime.station_commands is not None
    return served.runtime.station_commands


ANSWERED: list[tuple[cmd.Command, str, dict[str, Any], str | None]] = [
    # (command, 1.6 action, payload the station received (snake_case), status answered)
    (
        cmd.RemoteStart("04A2B3C4D5E6F7", evse_id=2),
        "RemoteStartTransaction",
        {"id_tag": "04A2B3C4D5E6F7", "connector_id": 2},
        "Accepted",
    ),
    (cmd.RemoteStop("17"), "RemoteStopTransaction", {"transaction_id": 17}, "Accepted"),
    (cmd.Reset("hard"), "Reset", {"type": "Hard"}, "Accepted"),
    (cmd.Reset(), "Reset", {"type": "Soft"}, "Accepted"),
    (cmd.UnlockConnector(evse_id=1), "UnlockConnector", {"connector_id": 1}, "Unlocked"),
    (
        cmd.ChangeAvailability(operative=False, evse_id=0),
        "ChangeAvailability",
        {"connector_id": 0, "type": "Inoperative"},
        "Accepted",
    ),
    (
        cmd.ChangeConfiguration("HeartbeatInterval", "120"),
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "120"},
        "Accepted",
    ),
    (
        cmd.TriggerMessage("StatusNotification", evse_id=1),
        "TriggerMessage",
        {"requested_message": "StatusNotification", "connector_id": 1},
        "Accepted",
    ),
    (cmd.ClearCache(), "ClearCache", {}, "Accepted"),
    (cmd.Raw("GetLocalListVersion", {}), "GetLocalListVersion", {}, None),
    (
        cmd.Raw(
            "SendLocalList",
            {
                "listVersion": 8,
                "updateType": "Full",
                "localAuthorizationList": [{"idTag": "04A2B3C4D5E6F7", "idTagInfo": {"status": "Accepted"}}],
            },
        ),
        "SendLocalList",
        {
            "list_version": 8,
            "update_type": "Full",
            "local_authorization_list": [{"id_tag": "04A2B3C4D5E6F7", "id_tag_info": {"status": "Accepted"}}],
        },
        "Accepted",
    ),
]


@pytest.mark.parametrize(("command", "action", "received", "status"), ANSWERED, ids=[a[1] for a in ANSWERED])
async def test_command_answered(
    served: Served,
    depot: None,
    command: cmd.Command,
    action: str,
    received: dict[str, Any],
    status: str | None,
) -> None:
    async with station16(served, "HH-02") as cp:
        result = await _port(served).send("HH-02", command, timeout=5)
    assert (result.action, result.status) == (action, status)
    assert cp.received == [(action, received)]


async def test_get_configuration_returns_the_payload(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        result = await _port(served).send(
            "HH-02", cmd.GetConfiguration(["HeartbeatInterval", "Nope"]), timeout=5
        )
    assert result.status is None
    assert result.payload == {
        "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
        "unknownKey": ["Nope"],
    }
    assert cp.received == [("GetConfiguration", {"key": ["HeartbeatInterval", "Nope"]})]


async def test_rejection_is_an_answer_not_an_error(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        cp.answers["Reset"] = "Rejected"
        assert (await _port(served).send("HH-02", cmd.Reset(), timeout=5)).status == "Rejected"


async def test_station_that_never_answers_times_out(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        cp.silent = True
        with pytest.raises(StationTimeout):
            await _port(served).send("HH-02", cmd.Reset(), timeout=0.3)
        # The channel still works afterwards.
        cp.silent = False
        assert (await _port(served).send("HH-02", cmd.ClearCache(), timeout=5)).status == "Accepted"


async def test_station_offline(served: Served, depot: None) -> None:
    assert not _port(served).is_connected("HH-02")
    with pytest.raises(StationOffline):
        await _port(served).send("HH-02", cmd.Reset(), timeout=1)


async def test_callerror_raises_station_error(served: Served, depot: None) -> None:
    async with station16(served, "HH-02"):
        # The test station has no handler for ReserveNow: its library answers with a CALLERROR.
        raw = cmd.Raw(
            "ReserveNow",
            {
                "connectorId": 1,
                "expiryDate": "2026-03-01T12:00:00Z",
                "idTag": "04A2B3C4D5E6F7",
                "reservationId": 1,
            },
        )
        with pytest.raises(StationError) as e:
            await _port(served).send("HH-02", raw, timeout=5)
    assert e.value.code in ("NotImplemented", "NotSupported")


@pytest.mark.parametrize(
    "command",
    [
        cmd.GetVariables(
            [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]
        ),
        cmd.SetVariables([]),
        cmd.GetBaseReport(1),
        cmd.RemoteStop("not-a-number"),
        cmd.Raw("NoSuchAction", {}),
        cmd.Raw("BootNotification", {"nonsense": 1}),
        cmd.Raw("CancelReservation", {}),  # reservationId is required
        cmd.TriggerMessage("Coffee"),
    ],
)
async def test_commands_the_protocol_cannot_carry(served: Served, depot: None, command: cmd.Command) -> None:
    async with station16(served, "HH-02") as cp:
        with pytest.raises(InvalidInput):
            await _port(served).send("HH-02", command, timeout=5)
    assert cp.received == []


async def test_station_leaving_mid_command_is_offline(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        cp.silent = True
        pending = asyncio.create_task(_port(served).send("HH-02", cmd.Reset(), timeout=10))
        await asyncio.sleep(0.1)
    with pytest.raises(StationOffline):
        await asyncio.wait_for(pending, 5)
