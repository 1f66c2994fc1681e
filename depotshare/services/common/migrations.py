"""Schema migrations (Alembic), callable from the CLI, `serve` and the tests."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

import depotshare.store.migrations as migrations_pkg
from depotshare.domain.common.errors import Conflict
from depotshare.store.common.database import make_engine, schema_revision

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only by what migrates: the check every CLI command makes first reads the
# version table and the scripts' revision lines itself (alembic's import alone is ~0.3 s).
SCRIPT_LOCATION = str(Path(migrations_pkg.__file__).parent)
_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*['\"]?([\w]+)['\"]?", re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate a database from a synchronous caller (the CLI)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


@lru_cache
def _scripts() -> dict[str, str | None]:
    """revision -> the revision it follows, read from the scripts in versions/."""
    chain: dict[str, str | None] = {}
    for script in (Path(SCRIPT_LOCATION) / "versions").glob("*.py"):
        found: dict[str, str] = {m[1]: m[2] for m in _REVISION.finditer(script.read_text(encoding="utf-8"))}
        if "revision" in found:
            down = found.get("down_revision")
            chain[found["revision"]] = None if down in (None, "None") else down
    return chain


def head_revision() -> str:
    """The latest revision: the one no other script follows."""
    heads = set(_scripts()) - set(_scripts().values())
    if len(heads) != 1:
        raise RuntimeError(f"the migration scripts have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def revisions_after(revision: str | None) -> list[str]:
    """The revisions an upgrade from `revision` (None: an empty database) to the head applies, in order."""
    chain, pending = _scripts(), []
    at: str | None = head_revision()
    if revision is not None and revision not in chain:  # a database newer than this code
        return []
    while at is not None and at != revision:
        pending.append(at)
        at = chain[at]
    return pending[::-1]


async def revision_at(url: str) -> str | None:
    """The revision of the database at `url` (the CLI, which holds no engine)."""
    engine = make_engine(url)
    try:
        return await schema_revision(engine)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate from inside a running event loop (the app at start-up, the tests)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(sync_conn):  # type: ignore[no-untyped-def]
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def pending_model_changes(engine: AsyncEngine) -> list[object]:
    """What the models have that the migrations do not (what `alembic check` reports)."""

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from depotshare.store.common.base import Base

    def diff(sync_conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with engine.connect() as conn:
        return list(await conn.run_sync(diff))


async def require_current_schema(engine: AsyncEngine) -> None:
    """Refuse to work on a database that `depotshare migrate` has not brought to the latest revision."""
    revision = await schema_revision(engine)
    head = head_revision()
    if revision != head:
        raise Conflict(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not migrated "
            f"(revision {revision or 'none'}, latest {head}): run `depotshare migrate`"
        )
