"""Domain events through the unit of work: handlers run in the use case's transaction (their
writes commit and roll back with it), the most general handler first, and after-commit handlers
only once the transaction is committed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from depotshare.domain.common.events import Changed, DomainEvent
from depotshare.domain.fleet.events import TokenChanged
from depotshare.services.common.audit_trail import record_change
from depotshare.services.common.events import EventHandlers
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime
from depotshare.store.common.models import AuditEntry
from tests.support.helpers import SYSTEM


@dataclass(frozen=True, kw_only=True)
class Pinged(DomainEvent):
    n: int


def _token_event(uid: str) -> TokenChanged:
    return TokenChanged(
        actor=SYSTEM, entity_id=uid, action="create", org_id=None, org_paths=frozenset({"/1/"})
    )


async def _audit_rows(runtime: Runtime) -> list[str]:
    async with runtime.uow() as uow:
        return list((await uow.session.scalars(select(AuditEntry.entity_id))).all())


def _unit(runtime: Runtime, handlers: EventHandlers) -> UnitOfWork:
    return UnitOfWork(runtime._sessionmaker, handlers)


async def test_handlers_run_most_general_first_and_only_for_their_events(runtime: Runtime) -> None:
    seen: list[str] = []

    async def general(uow: UnitOfWork, event: Changed) -> None:
        seen.append(f"changed {event.entity}")

    async def special(uow: UnitOfWork, event: TokenChanged) -> None:
        seen.append(f"token {sorted(event.org_paths)}")

    handlers = EventHandlers()
    handlers.on(TokenChanged, special)  # registered first, still runs after the general one
    handlers.on(Changed, general)
    async with _unit(runtime, handlers) as uow:
        await uow.emit(_token_event("A"))
        await uow.emit(Changed(actor=SYSTEM, entity="vehicle", entity_id="V", action="create", org_id=None))
        await uow.emit(Pinged(n=1))
    assert seen == ["changed token", "token ['/1/']", "changed vehicle"]


async def test_a_handler_s_writes_roll_back_with_the_use_case(runtime: Runtime) -> None:
    handlers = EventHandlers()
    handlers.on(Changed, record_change)
    async with _unit(runtime, handlers) as uow:
        await uow.emit(_token_event("ROLLED-BACK"))  # never committed
    async with _unit(runtime, handlers) as uow:
        await uow.emit(_token_event("KEPT"))
        await uow.commit()
    assert await _audit_rows(runtime) == ["KEPT"]


async def test_after_commit_handlers_see_only_committed_events(runtime: Runtime) -> None:
    committed: list[int] = []

    async def after(event: Pinged) -> None:
        async with runtime.uow() as other:  # the write is visible to another transaction now
            count = await other.session.scalar(select(func.count()).select_from(AuditEntry))
        committed.append(event.n * 10 + (count or 0))

    handlers = EventHandlers()
    handlers.on(Changed, record_change)
    handlers.after_commit(Pinged, after)
    async with _unit(runtime, handlers) as uow:
        await uow.emit(Pinged(n=1))  # rolled back: never reported
    async with _unit(runtime, handlers) as uow:
        await uow.emit(_token_event("T"))
        await uow.emit(Pinged(n=2))
        assert committed == []
        await uow.commit()
    assert committed == [21]
