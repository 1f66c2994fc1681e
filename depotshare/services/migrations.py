"""Schema migrations (Alembic), callable from the CLI, `serve` and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

import depotshare.store.migrations as migrations_pkg
from depotshare.domain.errors import Conflict
from depotshare.store.models import Base

SCRIPT_LOCATION = str(Path(migrations_pkg.__file__).parent)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate a database from a synchronous caller (the CLI)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate from inside a running event loop (the app at start-up, the tests)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(sync_conn):  # type: ignore[no-untyped-def]
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def pending_model_changes(engine: AsyncEngine) -> list[object]:
    """What the models have that the migrations do not (what `alembic check` reports)."""

    def diff(sync_conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with engine.connect() as conn:
        return list(await conn.run_sync(diff))


async def require_current_schema(engine: AsyncEngine) -> None:
    """Refuse to work on a database that `depotshare migrate` has not brought to the latest revision."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))

    def current(sync_conn):  # type: ignore[no-untyped-def]
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.connect() as conn:
        revision = await conn.run_sync(current)
    if revision != script.get_current_head():
        raise Conflict(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not migrated "
            f"(revision {revision or 'none'}, latest {script.get_current_head()}): run `depotshare migrate`"
        )
