"""The unit of work gives its connection back whole, even when the task using it is cancelled
while it rolls back (a station leaving, a background task stopped): a connection dropped in
the middle of its transaction kept SQLite's write lock, or PostgreSQL's row locks, for good."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from depotshare.services.runtime import Runtime
from tests.conftest import BACKEND
from tests.support.helpers import make_tree


async def _rename(runtime: Runtime, name: str) -> None:
    async with runtime.uow() as uow:
        if BACKEND == "postgresql":
            await uow.session.execute(text("SET LOCAL lock_timeout = '3s'"))
        await uow.session.execute(text("UPDATE organisations SET name = :n WHERE key = 'acme'"), {"n": name})
        await uow.commit()


async def test_a_cancelled_rollback_leaves_no_lock_behind(runtime: Runtime) -> None:
    await make_tree(runtime, {"acme": None})
    for turns in range(12):  # the second cancel lands at each step of the rollback in turn
        wrote = asyncio.Event()

        async def write_then_wait(wrote: asyncio.Event) -> None:
            async with runtime.uow() as uow:
                await uow.session.execute(text("UPDATE organisations SET name = 'held' WHERE key = 'acme'"))
                wrote.set()
                await asyncio.Event().wait()  # never commits

        task = asyncio.create_task(write_then_wait(wrote))
        await wrote.wait()
        task.cancel()  # the unit of work starts its rollback...
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()  # ...and is cancelled again while it waits for it
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.wait_for(_rename(runtime, "free"), 10)
    async with runtime.uow() as uow:
        name = await uow.session.scalar(text("SELECT name FROM organisations WHERE key = 'acme'"))
    assert name == "free"
