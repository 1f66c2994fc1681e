"""/stations: charging stations (by OCPP identity) with their EVSEs and connectors, their
registration (accepting a pending station) and live state (connection, connector status)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from depotshare.api.deps import CurrentActor, Cursor, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.api.schemas.stations import EvseIn, EvseUpdate, StationCreate, StationUpdate
from depotshare.domain.charging.registration import RegistrationStatus
from depotshare.domain.sites.assets import MAX_OCPP_ID
from depotshare.services.sites import evses, station_status, stations
from depotshare.services.sites.station_status import StationStatusView, StatusEventView
from depotshare.services.sites.stations import EvseView, StationSpec, StationView

router = APIRouter(prefix="/stations", tags=["stations"])

EvseId = Annotated[int, Path(ge=1, le=MAX_OCPP_ID, description="EVSE number on the station")]


@router.get("", response_model=PageOut[StationView])
async def list_stations(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    location: Annotated[str | None, Query(description="location key")] = None,
    q: Annotated[str | None, Query(max_length=100, description="OCPP identity contains")] = None,
    registration_status: RegistrationStatus | None = None,
    online: Annotated[
        bool | None, Query(description="connected and heard from within two heartbeat intervals")
    ] = None,
) -> object:
    return await stations.list_stations(
        uow,
        actor,
        org=org,
        location=location,
        q=q,
        registration_status=registration_status,
        online=online,
        cursor=cursor,
        limit=limit,
    )


@router.post("", response_model=StationView, status_code=201)
async def create_station(body: StationCreate, uow: UoW, actor: CurrentActor) -> object:
    spec = StationSpec(
        id=body.id,
        location=body.location,
        password=body.password,
        vendor=body.vendor,
        model=body.model,
        serial_number=body.serial_number,
        firmware_version=body.firmware_version,
        evses=[e.spec() for e in body.evses],
    )
    return await stations.create_station(uow, actor, spec)


@router.get("/{station_id}", response_model=StationView)
async def get_station(station_id: str, uow: UoW, actor: CurrentActor) -> object:
    return await stations.get_station(uow, actor, station_id)


@router.patch("/{station_id}", response_model=StationView)
async def update_station(station_id: str, body: StationUpdate, uow: UoW, actor: CurrentActor) -> object:
    given = body.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(body, name)
        for name in ("password", "vendor", "model", "serial_number", "firmware_version")
        if name in given
    }
    if body.location is not None:
        changes["location"] = body.location
    if body.evses is not None:
        changes["evses"] = [e.spec() for e in body.evses]
    if body.registration_status is not None:
        changes["registration_status"] = body.registration_status
    return await stations.update_station(uow, actor, station_id, changes)


@router.delete("/{station_id}", status_code=204)
async def delete_station(station_id: str, uow: UoW, actor: CurrentActor) -> Response:
    await stations.delete_station(uow, actor, station_id)
    return Response(status_code=204)


@router.get("/{station_id}/status", response_model=StationStatusView)
async def get_status(station_id: str, uow: UoW, actor: CurrentActor) -> object:
    """The current status of each connector (evse 0 / connector 0: the whole station)."""
    return await station_status.get_status(uow, actor, station_id)


@router.get("/{station_id}/status-history", response_model=PageOut[StatusEventView])
async def list_status_history(
    station_id: str,
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Annotated[
        str | None, Query(max_length=60, description="next_cursor of the previous page")
    ] = None,
) -> object:
    """Every status notification, newest first by the station's own time."""
    return await station_status.list_status_history(uow, actor, station_id, cursor=cursor, limit=limit)


@router.get("/{station_id}/evses", response_model=list[EvseView])
async def list_evses(station_id: str, uow: UoW, actor: CurrentActor) -> object:
    return await evses.list_evses(uow, actor, station_id)


@router.post("/{station_id}/evses", response_model=EvseView, status_code=201)
async def add_evse(station_id: str, body: EvseIn, uow: UoW, actor: CurrentActor) -> object:
    return await evses.add_evse(uow, actor, station_id, body.spec())


@router.patch("/{station_id}/evses/{evse_id}", response_model=EvseView)
async def update_evse(
    station_id: str, evse_id: EvseId, body: EvseUpdate, uow: UoW, actor: CurrentActor
) -> object:
    return await evses.update_evse(uow, actor, station_id, evse_id, body.spec(evse_id))


@router.delete("/{station_id}/evses/{evse_id}", status_code=204)
async def delete_evse(station_id: str, evse_id: EvseId, uow: UoW, actor: CurrentActor) -> Response:
    await evses.delete_evse(uow, actor, station_id, evse_id)
    return Response(status_code=204)
