"""The unit of work: one database transaction per use case, committed by the service. It hands
out the capabilities' repositories over that transaction (`uow.repo(Vehicles)`) and the clock,
and collects the use case's domain events and has them handled (services/common/events.py)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from depotshare.domain.common.errors import Conflict
from depotshare.domain.common.events import DomainEvent
from depotshare.services.common.events import NO_HANDLERS, EventHandlers
from depotshare.services.common.ports import Clock, SystemClock
from depotshare.store.common.repository import Repository

_R = TypeVar("_R", bound=Repository)


class UnitOfWork:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        handlers: EventHandlers = NO_HANDLERS,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._handlers = handlers
        self.clock: Clock = clock or SystemClock()  # services ask it, never datetime.now()
        self.session: AsyncSession
        self.events: list[DomainEvent] = []  # emitted since the last commit
        self._repos: dict[type[Repository], Repository] = {}

    def repo(self, kind: type[_R]) -> _R:
        """The capability repository `kind` over this unit of work's transaction (one each)."""
        found = self._repos.get(kind)
        if found is None:
            found = self._repos[kind] = kind(self.session)
        assert isinstance(found, kind)
        return found

    async def emit(self, event: DomainEvent) -> None:
        """State what happened; its handlers write what follows in this transaction."""
        self.events.append(event)
        await self._handlers.dispatch(self, event)

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessionmaker()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Whatever was not committed explicitly is rolled back: no partial writes on error.
        # A cancellation (a station leaving, a task stopped) must not cut this short: a
        # connection dropped halfway keeps its transaction, and its locks, until it is collected.
        end = asyncio.ensure_future(self._end())
        try:
            await asyncio.shield(end)
        except asyncio.CancelledError:
            await asyncio.wait({end})
            raise

    async def _end(self) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def flush(self) -> None:
        try:
            await self.session.flush()
        except IntegrityError as e:
            raise Conflict(_integrity_detail(e)) from e

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except IntegrityError as e:
            raise Conflict(_integrity_detail(e)) from e
        committed, self.events = self.events, []
        await self._handlers.committed(committed)


def _integrity_detail(e: IntegrityError) -> str:
    text = str(e.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "an object with this key already exists"
    if "foreign key" in text:
        return "the object is still referenced, or refers to something that does not exist"
    return "the change conflicts with existing data"
