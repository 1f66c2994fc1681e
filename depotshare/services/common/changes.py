"""Stating a write as a Changed event, the same way in every capability: a creation with what
was written, an update only when something changed (before and after), a deletion with what
was there. The audit trail and any other handler follow the event (services/handlers.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.events import Changed
from depotshare.services.common.unit_of_work import UnitOfWork

Snapshot = Mapping[str, Any]
# The event to emit: Changed, or a capability's subclass with its own fields bound
# (`functools.partial(TokenChanged, org_paths=...)`) when others react to the change.
Event = Callable[..., Changed]


async def created(
    uow: UnitOfWork,
    actor: Actor,
    entity: str,
    key: str | int,
    org_id: int | None,
    after: Snapshot,
    *,
    event: Event = Changed,
) -> None:
    await uow.emit(
        event(actor=actor, entity=entity, entity_id=key, action="create", org_id=org_id, after=after)
    )


async def updated(
    uow: UnitOfWork,
    actor: Actor,
    entity: str,
    key: str | int,
    org_id: int | None,
    before: Snapshot,
    after: Snapshot,
    *,
    event: Event = Changed,
) -> bool:
    """Emits nothing when nothing changed (a PATCH that sets what is there writes no audit entry)."""
    if dict(before) == dict(after):
        return False
    await uow.emit(
        event(
            actor=actor,
            entity=entity,
            entity_id=key,
            action="update",
            org_id=org_id,
            before=before,
            after=after,
        )
    )
    return True


async def deleted(
    uow: UnitOfWork,
    actor: Actor,
    entity: str,
    key: str | int,
    org_id: int | None,
    before: Snapshot,
    *,
    event: Event = Changed,
) -> None:
    await uow.emit(
        event(actor=actor, entity=entity, entity_id=key, action="delete", org_id=org_id, before=before)
    )
