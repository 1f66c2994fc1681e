"""Event handlers: which reaction follows which domain event. The unit of work calls `dispatch`
when a use case emits an event, inside the use case's transaction, so a reaction commits or rolls
back with the write it follows (an audit entry never outlives a failed write). Handlers that must
only see committed data (waking a sync, telling other nodes) go `after_commit`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from depotshare.domain.common.events import DomainEvent

if TYPE_CHECKING:
    from depotshare.services.common.unit_of_work import UnitOfWork

E = TypeVar("E", bound=DomainEvent)
Handler = Callable[["UnitOfWork", Any], Awaitable[None]]
AfterCommit = Callable[[Any], Awaitable[None]]


class EventHandlers:
    def __init__(self) -> None:
        self._in_transaction: dict[type[DomainEvent], list[Handler]] = {}
        self._after_commit: dict[type[DomainEvent], list[AfterCommit]] = {}

    def on(self, event_type: type[E], handler: Callable[[UnitOfWork, E], Awaitable[None]]) -> None:
        """`handler(uow, event)` runs in the emitting use case's transaction, for this event
        class and its subclasses, in the order registered."""
        self._in_transaction.setdefault(event_type, []).append(handler)

    def after_commit(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._after_commit.setdefault(event_type, []).append(handler)

    async def dispatch(self, uow: UnitOfWork, event: DomainEvent) -> None:
        for handler in _matching(self._in_transaction, event):
            await handler(uow, event)

    async def committed(self, events: list[DomainEvent]) -> None:
        for event in events:
            for handler in _matching(self._after_commit, event):
                await handler(event)


def _matching(table: dict[type[DomainEvent], list[Any]], event: DomainEvent) -> list[Any]:
    # Most general class first: the audit entry is written before a capability reacts.
    return [h for cls in reversed(type(event).__mro__) for h in table.get(cls, ())]


NO_HANDLERS = EventHandlers()
