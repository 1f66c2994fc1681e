"""The base of every capability's repository: its queries and writes over one unit of work's
database session. Services get a repository from the unit of work (`uow.repo(Vehicles)`) and
never touch the session themselves, so how a row is found, added or removed is the store's
business, written once per capability (ADR 5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import TimeoutError as _PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

# No database connection could be had within the pool's timeout: what a service catches to
# refuse politely (a reconnect storm) instead of importing the ORM's exceptions.
PoolTimeout = _PoolTimeout


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Any) -> None:
        """A new row, written at the next flush or commit."""
        self.session.add(row)

    def add_all(self, rows: Any) -> None:
        self.session.add_all(rows)

    async def delete(self, row: Any) -> None:
        await self.session.delete(row)

    async def refresh(self, row: Any, attributes: list[str] | None = None) -> None:
        """Read a row's columns again (those the database filled on insert, or changed)."""
        await self.session.refresh(row, attributes)

    def expire_all(self) -> None:
        """Forget what was read: the next access reads the database again."""
        self.session.expire_all()
