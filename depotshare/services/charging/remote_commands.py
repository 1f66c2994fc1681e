"""Remote commands an operator sends to a station (reset, remote start, configuration, ...): checks
who may send what, waits for the station's answer through the StationCommands port, and records
every attempt in the audit log with its outcome."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from depotshare.domain.access.decision_chain import DecisionSource
from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StationError,
    StationOffline,
    StationTimeout,
)
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs.roles import Action
from depotshare.domain.orgs.scope import may_send_raw
from depotshare.services.access import authorization
from depotshare.services.common.ports import StationCommands
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.tokens import access_token
from depotshare.services.sites.stations import access_station, owner

NAMES: dict[type[Any], str] = {
    cmd.RemoteStart: "remote-start",
    cmd.RemoteStop: "remote-stop",
    cmd.Reset: "reset",
    cmd.UnlockConnector: "unlock-connector",
    cmd.ChangeAvailability: "change-availability",
    cmd.GetConfiguration: "get-configuration",
    cmd.ChangeConfiguration: "change-configuration",
    cmd.GetVariables: "get-variables",
    cmd.SetVariables: "set-variables",
    cmd.GetBaseReport: "get-base-report",
    cmd.TriggerMessage: "trigger-message",
    cmd.ClearCache: "clear-cache",
    cmd.Raw: "raw",
}


@dataclass(frozen=True)
class CommandResultView:
    action: str  # the OCPP action sent
    status: str | None  # the station's status field, where the answer has one
    payload: dict[str, Any]  # the station's whole answer


async def _start_token(uow: UnitOfWork, actor: Actor, id_token: str) -> str:
    """A remote start charges on someone's card: the caller must be able to read that token.
    Platform admins may name any id token (e.g. one of a roaming partner)."""
    try:
        return (await access_token(uow, actor, id_token)).uid
    except NotFound:
        if actor.scope.is_platform_admin:
            return id_token
        raise InvalidInput("id_token", f"no token {id_token!r} that you may use") from None


async def _admit_remote_start(uow: UnitOfWork, station_pk: int, command: cmd.RemoteStart) -> None:
    """The access rules decide a remote start like any other: a token the station's location does
    not admit now is not started at all (the refusal is logged, the station never asked)."""
    decision = await authorization.authorize(
        uow, station_pk, command.id_token, command.evse_id, uow.clock.now(), DecisionSource.REMOTE
    )
    if not decision.accepted:
        await uow.commit()
        raise Conflict(f"token {command.id_token} may not charge here now: {decision.reason}")


async def send_command(
    uow: UnitOfWork,
    actor: Actor,
    commands: StationCommands | None,
    station_id: str,
    command: cmd.Command,
    *,
    timeout: float,  # noqa: ASYNC109 - how long the station may take, passed on to the port
) -> CommandResultView:
    """Send and wait for the answer. NotFound/Forbidden as for changing the station; StationOffline
    (also when no gateway runs here), StationTimeout, StationError and InvalidInput as the port says."""
    name = NAMES[type(command)]
    station = await access_station(uow, actor, station_id, Action.WRITE)
    location, org = await owner(uow, station)
    if isinstance(command, cmd.Raw) and not may_send_raw(actor.scope, org.path):
        raise Forbidden("only platform and organisation admins may send raw OCPP calls")
    if isinstance(command, cmd.RemoteStart):
        command = dataclasses.replace(command, id_token=await _start_token(uow, actor, command.id_token))
        await _admit_remote_start(uow, station.id, command)
    ocpp_id, org_id = station.ocpp_id, location.org_id
    # Waiting for a station can take seconds: hold no database transaction meanwhile (what was
    # decided so far, a remote start's log entry, is committed first).
    await uow.commit()
    outcome: dict[str, Any] = {"command": name, "request": _jsonable(command)}
    try:
        if commands is None:
            raise StationOffline(f"charging station {ocpp_id!r} is not connected")
        result = await commands.send(ocpp_id, command, timeout)
    except DomainError as e:
        outcome |= {"outcome": _failure(e), "detail": e.detail}
        await _record(uow, actor, org_id, ocpp_id, outcome)
        await uow.commit()
        raise
    outcome |= {"outcome": "answered", "action": result.action, "status": result.status}
    await _record(uow, actor, org_id, ocpp_id, outcome)
    await uow.commit()
    return CommandResultView(result.action, result.status, result.payload)


def _failure(e: DomainError) -> str:
    if isinstance(e, StationOffline):
        return "offline"
    if isinstance(e, StationTimeout):
        return "timeout"
    if isinstance(e, StationError):
        return f"error {e.code}"
    return "refused"


def _jsonable(command: cmd.Command) -> dict[str, Any]:
    data: dict[str, Any] = dataclasses.asdict(command)
    return data


async def _record(uow: UnitOfWork, actor: Actor, org_id: int, ocpp_id: str, after: dict[str, Any]) -> None:
    await uow.emit(
        Changed(
            actor=actor, entity="station", entity_id=ocpp_id, action="command", org_id=org_id, after=after
        )
    )
