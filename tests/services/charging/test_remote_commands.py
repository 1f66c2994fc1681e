"""A remote start is decided by the access rules at the unit of work's clock, through the service
alone (a fake StationCommands records what would reach the station): a card valid until today is
started, the same card tomorrow is refused before the station is asked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.errors import Conflict
from depotshare.services.charging import remote_commands
from depotshare.services.fleet import tokens
from depotshare.services.runtime import Runtime
from tests.support.clock import FakeClock
from tests.support.helpers import SYSTEM

LAST_DAY = "04A2B3C4D5E6AA"  # acme-north's card, valid until the clock's first day


class RecordingStation:
    """StationCommands for a connected station that accepts whatever it is sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, cmd.Command]] = []

    def is_connected(self, station_id: str) -> bool:
        return True

    async def send(self, station_id: str, command: cmd.Command, timeout: float) -> cmd.CommandResult:  # noqa: ASYNC109
        self.sent.append((station_id, command))
        return cmd.CommandResult("RemoteStartTransaction", "Accepted", {"status": "Accepted"})

    async def ask(self, station_id: str, query: Any, timeout: float) -> Any:  # noqa: ASYNC109
        raise AssertionError("a remote start asks nothing")


async def test_a_remote_start_is_decided_at_the_clock_s_time(
    runtime: Runtime, clock: FakeClock, station: int
) -> None:
    async with runtime.uow() as uow:
        await tokens.create_token(uow, SYSTEM, uid=LAST_DAY, org="acme-north", valid_until=clock.now().date())
    assert clock.now().date() == date(2026, 1, 5)
    start = cmd.RemoteStart(id_token=LAST_DAY, evse_id=1)
    station_commands = RecordingStation()
    async with runtime.uow() as uow:
        answer = await remote_commands.send_command(uow, SYSTEM, station_commands, "HH-02", start, timeout=1)
    assert answer.status == "Accepted" and len(station_commands.sent) == 1

    clock.advance(days=1)
    with pytest.raises(Conflict, match="may not charge here now"):
        async with runtime.uow() as uow:
            await remote_commands.send_command(uow, SYSTEM, station_commands, "HH-02", start, timeout=1)
    assert len(station_commands.sent) == 1  # the station was never asked
