"""The PostgreSQL pool runs without pre-ping (a round trip per message): a connection that died
while idle is pinged and replaced at checkout; one that dies while in use fails one unit of work
and the pool recovers for the next."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from depotshare.store.common import database
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="the pool settings are PostgreSQL's")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = database.make_engine(database_url)
    yield engine
    await engine.dispose()


async def _pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(database_url: str, pid: int) -> None:
    other = database.make_engine(database_url)
    try:
        async with other.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_no_pre_ping_per_checkout(engine: AsyncEngine) -> None:
    assert engine.pool._pre_ping is False  # type: ignore[attr-defined]
    assert await _pid(engine) == await _pid(engine)  # the same pooled connection, reused


async def test_connection_dead_while_idle_is_replaced_at_checkout(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = await _pid(engine)
    await _kill(database_url, pid)
    monkeypatch.setattr(database.time, "monotonic", lambda: 1e12)  # long idle: pinged
    assert await _pid(engine) != pid


async def test_connection_dead_while_busy_fails_once_then_recovers(
    engine: AsyncEngine, database_url: str
) -> None:
    pid = await _pid(engine)
    await _kill(database_url, pid)  # just used: not pinged
    with pytest.raises(exc.DBAPIError) as e:
        await _pid(engine)
    assert e.value.connection_invalidated
    assert await _pid(engine) != pid
