"""The audit log: written by the audit trail only (services/common/audit_trail.py), read in a scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from depotshare.domain.common.actor import Actor
from depotshare.domain.orgs.roles import Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.models import AuditEntry
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict


class AuditLog(Repository):
    def record(
        self,
        actor: Actor,
        *,
        org_id: int | None,
        entity: str,
        entity_id: str | int,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.add(
            AuditEntry(
                actor_user_id=actor.user_id,
                actor=actor.label,
                org_id=org_id,
                entity=entity,
                entity_id=str(entity_id),
                action=action,
                before=before,
                after=after,
            )
        )

    async def list_entries(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        entity: str | None = None,
        entity_id: str | None = None,
        actor_user_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Newest first; `after_id` continues below that entry."""
        stmt: Select[Any] = restrict(select(AuditEntry), scope, Resource.AUDIT)
        if org_prefix is not None:
            stmt = stmt.where(AuditEntry.org_id.in_(org_ids_under((org_prefix,))))
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        if entity_id:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
        if actor_user_id is not None:
            stmt = stmt.where(AuditEntry.actor_user_id == actor_user_id)
        if since is not None:
            stmt = stmt.where(AuditEntry.at >= since)
        if until is not None:
            stmt = stmt.where(AuditEntry.at < until)
        if after_id is not None:
            stmt = stmt.where(AuditEntry.id < after_id)
        stmt = stmt.order_by(AuditEntry.id.desc()).limit(limit)
        return list((await self.session.scalars(stmt)).all())
