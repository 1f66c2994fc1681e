"""Engine and session factory for one database URL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# Every table's mapper registered before the first query: relationships name classes of other
# capabilities by string, which resolve only once all models are imported.
import depotshare.store.tables  # noqa: F401

# A pooled connection idle for longer than this is pinged before it is handed out again.
IDLE_PING_S = 10.0
# Connections are replaced after this long, whatever happens (server-side idle timeouts, proxies).
RECYCLE_S = 1800


def make_engine(url: str, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pool_pre_ping: it costs a round trip (BEGIN, `;`, ROLLBACK through the driver) on every
    # checkout, i.e. per OCPP message. A busy connection is known to be alive; only one that sat
    # idle in the pool is pinged (below). A connection that dies while in use (the database
    # restarted under load) fails that one unit of work; SQLAlchemy recognises the disconnect and
    # invalidates the whole pool, so the next units of work get fresh connections.
    engine = create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=False, pool_recycle=RECYCLE_S
    )
    _ping_when_idle(engine, IDLE_PING_S)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    dialect: Dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            alive = dialect.do_ping(dbapi_conn)
        except Exception as e:  # the pool retries with a new connection (up to three times)
            raise exc.DisconnectionError(f"pooled connection failed its ping: {e}") from e
        if not alive:
            raise exc.DisconnectionError("pooled connection failed its ping")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The Alembic revision the database is at; None when it was never migrated."""
    async with engine.connect() as conn:
        try:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except exc.DBAPIError:  # no version table
            return None
