"""/stations/{id}/commands/{name}: remote commands that wait for the station's answer and return it.
Station offline or no gateway: 409; no answer in time: 504; the station answered a CALLERROR: 502."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from depotshare.api.deps import CurrentActor, UoW, get_runtime
from depotshare.api.schemas.charging import (
    ChangeAvailabilityIn,
    ChangeConfigurationIn,
    ClearCacheIn,
    GetBaseReportIn,
    GetConfigurationIn,
    GetVariablesIn,
    RawIn,
    RemoteStartIn,
    RemoteStopIn,
    ResetIn,
    SetVariablesIn,
    TriggerMessageIn,
    UnlockConnectorIn,
)
from depotshare.domain.charging.commands import Command
from depotshare.services.charging import remote_commands
from depotshare.services.charging.remote_commands import CommandResultView
from depotshare.services.runtime import Runtime

router = APIRouter(prefix="/stations/{station_id}/commands", tags=["commands"])

Timeout = Annotated[
    int | None, Query(ge=1, le=120, description="seconds to wait for the answer (default from settings)")
]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def _send(
    runtime: Runtime, uow: UoW, actor: CurrentActor, station_id: str, command: Command, timeout_s: int | None
) -> CommandResultView:
    timeout = float(timeout_s) if timeout_s is not None else runtime.settings.ocpp_command_timeout_s
    return await remote_commands.send_command(
        uow, actor, runtime.station_commands, station_id, command, timeout=timeout
    )


@router.post("/remote-start", response_model=CommandResultView)
async def remote_start(
    station_id: str,
    body: RemoteStartIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/remote-stop", response_model=CommandResultView)
async def remote_stop(
    station_id: str,
    body: RemoteStopIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """1.6 RemoteStopTransaction / 2.0.1 RequestStopTransaction."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/reset", response_model=CommandResultView)
async def reset(
    station_id: str,
    body: ResetIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/unlock-connector", response_model=CommandResultView)
async def unlock_connector(
    station_id: str,
    body: UnlockConnectorIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/change-availability", response_model=CommandResultView)
async def change_availability(
    station_id: str,
    body: ChangeAvailabilityIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/get-configuration", response_model=CommandResultView)
async def get_configuration(
    station_id: str,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    body: Annotated[GetConfigurationIn | None, Body()] = None,
    timeout_s: Timeout = None,
) -> object:
    """OCPP 1.6; for 2.0.1 use get-variables."""
    return await _send(runtime, uow, actor, station_id, (body or GetConfigurationIn()).command(), timeout_s)


@router.post("/change-configuration", response_model=CommandResultView)
async def change_configuration(
    station_id: str,
    body: ChangeConfigurationIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """OCPP 1.6; for 2.0.1 use set-variables."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/get-variables", response_model=CommandResultView)
async def get_variables(
    station_id: str,
    body: GetVariablesIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """OCPP 2.0.1."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/set-variables", response_model=CommandResultView)
async def set_variables(
    station_id: str,
    body: SetVariablesIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """OCPP 2.0.1."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/get-base-report", response_model=CommandResultView)
async def get_base_report(
    station_id: str,
    body: GetBaseReportIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """OCPP 2.0.1; the report itself arrives as NotifyReport messages."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/trigger-message", response_model=CommandResultView)
async def trigger_message(
    station_id: str,
    body: TriggerMessageIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)


@router.post("/clear-cache", response_model=CommandResultView)
async def clear_cache(
    station_id: str,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    body: Annotated[ClearCacheIn | None, Body()] = None,
    timeout_s: Timeout = None,
) -> object:
    return await _send(runtime, uow, actor, station_id, (body or ClearCacheIn()).command(), timeout_s)


@router.post("/raw", response_model=CommandResultView)
async def raw(
    station_id: str,
    body: RawIn,
    uow: UoW,
    actor: CurrentActor,
    runtime: RuntimeDep,
    timeout_s: Timeout = None,
) -> object:
    """Any OCPP action of the station's version, schema-checked; platform and organisation admins only."""
    return await _send(runtime, uow, actor, station_id, body.command(), timeout_s)
