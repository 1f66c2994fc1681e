"""Reading the audit log: org_admins see the entries of their subtree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from depotshare.domain.common.actor import Actor
from depotshare.services.common.copying import copy_of
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.common.audit import AuditLog


@dataclass(frozen=True)
class AuditEntryView:
    id: int
    at: datetime
    actor: str
    actor_user_id: int | None
    org: str | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


async def list_audit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntryView]:
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(AuditLog).list_entries(
        actor.scope,
        org_prefix=prefix,
        entity=entity,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        since=since,
        until=until,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    keys = await org_keys(uow, [r.org_id for r in rows])
    # Newest first: the cursor is the last id shown, and the next page reads below it.
    return page_of(
        rows, limit, lambda r: r.id, lambda r: copy_of(AuditEntryView, r, org=keys.get(r.org_id or 0))
    )
