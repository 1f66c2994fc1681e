"""/sessions: charging sessions with their meter values, for fleet and facility managers and drivers.
Newest first (by id: the order sessions were recorded); `from`/`to` select by `started_at`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from depotshare.api.csv import csv_response, wants_csv
from depotshare.api.deps import CurrentActor, Cursor, IdPath, Limit, OrgFilter, UoW, get_runtime
from depotshare.api.schemas.common import PageOut
from depotshare.domain.charging.sessions import SessionState
from depotshare.services.charging import queries as charging_sessions
from depotshare.services.charging.queries import MeterValueView, SessionQuery, SessionView
from depotshare.services.runtime import Runtime

router = APIRouter(prefix="/sessions", tags=["sessions"])

_PERIOD = "a date (YYYY-MM-DD, UTC) or a date-time with offset"


@router.get("", response_model=PageOut[SessionView])
async def list_sessions(
    request: Request,
    uow: UoW,
    actor: CurrentActor,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    location: Annotated[str | None, Query(max_length=64, description="location key")] = None,
    station: Annotated[str | None, Query(max_length=48, description="station OCPP identity")] = None,
    token: Annotated[str | None, Query(max_length=64, description="token uid, as printed or stored")] = None,
    state: SessionState | None = None,
    flagged: Annotated[
        bool | None, Query(description="only sessions with (true) or without (false) flags")
    ] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=40, description=f"started at or after: {_PERIOD}")
    ] = None,
    to: Annotated[
        str | None,
        Query(max_length=40, description=f"started before; a date includes that whole day: {_PERIOD}"),
    ] = None,
    format: Annotated[str | None, Query(max_length=10, description="csv: every match as CSV")] = None,
) -> object:
    """Newest first by id (the order sessions were recorded; a session reported late from a station's
    offline queue sorts where it arrived, its `started_at` says when it happened); pass `next_cursor`
    back as `cursor`. `org` keeps sessions whose token's or location's organisation lies in that
    subtree; `from`/`to` select by `started_at` (a date is a UTC day, `to` includes it; a date-time
    needs its offset; sessions without a start, e.g. orphans, match no period). Always only what the
    caller may see: the fleet side by the token's organisation (drivers: their own sessions), the
    facility side by the location's; employee, vehicle and cost centre only to the fleet side.
    `format=csv` (or `Accept: text/csv`) streams every matching session as CSV instead of a page,
    with the same filters: id, station, location, evse, connector, transaction_id, state,
    id_token, token, token_org, owner_org, employee, vehicle, cost_centre, auth_status,
    started_at, stopped_at, energy_kwh, stop_reason, flags, offline."""
    query = SessionQuery(org, location, station, token, state, flagged, from_, to)
    if wants_csv(request, format):
        where = await charging_sessions.session_filter(uow, actor, query)
        return csv_response(charging_sessions.export_csv(runtime, actor, where), "sessions.csv")
    return await charging_sessions.list_sessions(uow, actor, query, cursor=cursor, limit=limit)


@router.get("/{session_id}", response_model=SessionView)
async def get_session(session_id: IdPath, uow: UoW, actor: CurrentActor) -> object:
    return await charging_sessions.get_session(uow, actor, session_id)


@router.get("/{session_id}/meter-values", response_model=PageOut[MeterValueView])
async def list_meter_values(
    session_id: IdPath,
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Annotated[
        str | None, Query(max_length=60, description="next_cursor of the previous page")
    ] = None,
    measurand: Annotated[
        str | None,
        Query(max_length=64, description="e.g. Energy.Active.Import.Register, Power.Active.Import"),
    ] = None,
) -> object:
    return await charging_sessions.list_meter_values(
        uow, actor, session_id, measurand=measurand, cursor=cursor, limit=limit
    )
