"""Ports: what the services need from the world outside the database, as Protocols. The OCPP
gateway implements StationCommands, the system clock Clock; tests use small in-memory fakes that
record calls, and a clock they set."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, TypeVar

from depotshare.domain.charging.commands import Command, CommandResult, Query

A = TypeVar("A")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class StationCommands(Protocol):
    def is_connected(self, station_id: str) -> bool:
        """Whether the station (by OCPP identity) holds a websocket to this process now."""
        ...

    async def send(self, station_id: str, command: Command, timeout: float) -> CommandResult:  # noqa: ASYNC109 - the station, not the caller, must answer in time
        """Send and wait for the answer. Raises StationOffline when not connected,
        StationTimeout when no answer comes in time, StationError for a CALLERROR (InvalidAnswer
        for an answer that breaks the protocol), and InvalidInput when the station's protocol has
        no such command or the payload is invalid."""
        ...

    async def ask(self, station_id: str, query: Query[A], timeout: float) -> A:  # noqa: ASYNC109 - as for send
        """Send a command whose answer a service acts on, and return that answer read into the
        domain's typed result (e.g. GetLocalListVersion -> ListVersion). Raises as `send` does."""
        ...
