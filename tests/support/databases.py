"""The test databases: one migrated PostgreSQL template per schema version, cloned into one
database per pytest-xdist worker; the per-test cleanup that keeps them empty between tests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import depotshare.store.migrations as migrations_pkg
from depotshare.store.common.base import Base
from depotshare.store.common.database import make_engine

VERSIONS = Path(migrations_pkg.__file__).parent / "versions"
TEMPLATE_LOCK = 8_200_801  # pg_advisory_lock key: one worker builds the template, the others wait


def schema_fingerprint() -> str:
    """Changes whenever a migration does, so a template from an older schema is never reused."""
    digest = hashlib.sha256()
    for path in sorted(VERSIONS.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def worker_database_url(admin_url: str, worker: str, run: str) -> str:
    """A migrated, empty database of its own for this worker (`gw0`, `gw1`, ... or `main`) of
    this run, cloned from the template; the template is migrated once per schema version. The
    run's id is in the name so that two runs on one server (two checkouts, CI beside a
    developer) never empty each other's tables."""
    url = make_url(admin_url)
    template = f"dstest_tpl_{schema_fingerprint()}"
    name = f"{url.database}_{worker}_{run}"
    _in_own_loop(
        _prepare(url.set(drivername="postgresql").render_as_string(False), admin_url, template, name)
    )
    return url.set(database=name).render_as_string(hide_password=False)


def drop_worker_database(admin_url: str, database_url: str) -> None:
    """Drop a worker's clone when its run ends."""
    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    name = make_url(database_url).database
    _in_own_loop(_drop(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _drop(admin_dsn: str, statement: str) -> None:
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


def _in_own_loop(coro: object) -> None:
    # Called from a synchronous fixture while pytest-asyncio may own the main thread's loop.
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coro)  # type: ignore[arg-type]
        except BaseException as e:
            failure.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def _prepare(admin_dsn: str, admin_url: str, template: str, name: str) -> None:
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", TEMPLATE_LOCK)
        try:
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template)
            if not exists:
                await _build_template(admin, admin_url, template)
        finally:
            await admin.execute("SELECT pg_advisory_unlock($1)", TEMPLATE_LOCK)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()


async def _build_template(admin: asyncpg.Connection, admin_url: str, template: str) -> None:
    from depotshare.services.common.migrations import upgrade_engine

    # Templates of older schemas go, unless another run is cloning one right now (no FORCE).
    stale = await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'dstest_tpl_%'")
    for row in stale:
        with contextlib.suppress(asyncpg.ObjectInUseError):
            await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}"')
    building = f"{template}_building"  # renamed when complete: a crash leaves no half template
    await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{building}"')
    engine = make_engine(make_url(admin_url).set(database=building).render_as_string(hide_password=False))
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()
    await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')


TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]
# DELETE, not TRUNCATE: TRUNCATE makes new files for every table and index (~0.2-0.8 s for our
# 27 tables, i.e. minutes over the suite); deleting a test's few rows takes milliseconds.
PG_CLEAN = "; ".join(
    [f"DELETE FROM {name}" for name in TABLES]
    + ["SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"]
)


async def clean(engine: AsyncEngine, backend: str) -> None:
    """Empty every table (children first) and restart the id sequences."""
    async with engine.begin() as conn:
        if backend == "postgresql":
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute(PG_CLEAN)  # one round trip, several statements
        else:
            for name in TABLES:
                await conn.exec_driver_sql(f"DELETE FROM {name}")
