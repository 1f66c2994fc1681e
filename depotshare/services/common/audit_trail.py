"""The audit log follows every Changed event: who wrote what, before and after."""

from __future__ import annotations

from depotshare.domain.common.events import Changed
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.common.audit import AuditLog


async def record_change(uow: UnitOfWork, event: Changed) -> None:
    uow.repo(AuditLog).record(
        event.actor,
        org_id=event.org_id,
        entity=event.entity,
        entity_id=event.entity_id,
        action=event.action,
        before=dict(event.before) if event.before is not None else None,
        after=dict(event.after) if event.after is not None else None,
    )
