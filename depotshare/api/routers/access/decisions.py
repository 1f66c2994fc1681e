"""/access-decisions: the per-location log of every authorisation decision with its reason, as
JSON pages or a CSV export (docs/api.md "Access decisions")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from depotshare.api.csv import csv_response, wants_csv
from depotshare.api.deps import CurrentActor, IdPath, Limit, UoW, get_runtime
from depotshare.api.schemas.common import PageOut
from depotshare.domain.access.decision_chain import DecisionSource
from depotshare.services.access import decisions as access_decisions
from depotshare.services.access.decisions import DecisionQuery, DecisionView
from depotshare.services.runtime import Runtime

router = APIRouter(prefix="/access-decisions", tags=["access decisions"])

_PERIOD = "a date (YYYY-MM-DD, UTC) or a date-time with offset"


@router.get("", response_model=PageOut[DecisionView])
async def list_access_decisions(
    request: Request,
    uow: UoW,
    actor: CurrentActor,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    limit: Limit = 50,
    cursor: Annotated[
        str | None, Query(max_length=60, description="next_cursor of the previous page")
    ] = None,
    location: Annotated[str | None, Query(max_length=64, description="location key")] = None,
    station: Annotated[str | None, Query(max_length=48, description="station OCPP identity")] = None,
    partner: Annotated[
        str | None, Query(max_length=64, description="partner organisation key (and its subtree)")
    ] = None,
    token: Annotated[str | None, Query(max_length=64, description="token uid, as printed or as sent")] = None,
    org: Annotated[
        str | None,
        Query(description="organisation key: decisions about its tokens or at its locations (subtree)"),
    ] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=40, description=f"at or after: {_PERIOD}")
    ] = None,
    to: Annotated[
        str | None, Query(max_length=40, description=f"before; a date includes that whole day: {_PERIOD}")
    ] = None,
    result: Annotated[
        str | None,
        Query(max_length=40, description="accepted, refused, or one status such as NotAtThisTime"),
    ] = None,
    source: DecisionSource | None = None,
    format: Annotated[str | None, Query(max_length=10, include_in_schema=False)] = None,
) -> object:
    """Newest first by the decision's time. Always only what the caller may see: every decision at
    the locations of its organisations (host side), decisions about its own tokens (fleet side, a
    partner), a driver's own cards. `format=csv` (or `Accept: text/csv`) streams every matching
    decision as CSV instead of a page: at, location, station, evse, id_token, token_org,
    partner_org, grant, decision, reason, source, hash."""
    query = DecisionQuery(location, station, partner, token, org, from_, to, result, source)
    if wants_csv(request, format):
        where = await access_decisions.resolve(uow, actor, query)
        return csv_response(access_decisions.export_csv(runtime, actor, where), "access-decisions.csv")
    return await access_decisions.list_decisions(uow, actor, query, cursor=cursor, limit=limit)


@router.get("/{decision_id}", response_model=DecisionView)
async def get_access_decision(decision_id: IdPath, uow: UoW, actor: CurrentActor) -> object:
    return await access_decisions.get_decision(uow, actor, decision_id)
