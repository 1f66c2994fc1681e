"""/audit-log: who changed what, for the admins of a subtree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from depotshare.api.deps import CurrentActor, Cursor, IdQuery, Limit, OrgFilter, UoW
from depotshare.api.schemas.common import PageOut
from depotshare.services.orgs import audit_log
from depotshare.services.orgs.audit_log import AuditEntryView

router = APIRouter(prefix="/audit-log", tags=["audit"])


@router.get("", response_model=PageOut[AuditEntryView])
async def list_audit(
    uow: UoW,
    actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    org: OrgFilter = None,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
    actor_user_id: IdQuery = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> object:
    return await audit_log.list_audit(
        uow,
        actor,
        org=org,
        entity=entity,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
