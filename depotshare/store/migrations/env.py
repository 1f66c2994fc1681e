"""Alembic environment: async engines, batch mode on SQLite, our metadata."""

from __future__ import annotations

import asyncio
from typing import Literal

from alembic import context
from sqlalchemy.engine import Connection

from depotshare.store.common.base import Base, UTCDateTime
from depotshare.store.common.database import make_engine

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: object, _ctx: object) -> str | Literal[False]:
    # Migrations must not import our column types: they outlive the models.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_configure_and_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
elif (conn := config.attributes.get("connection")) is not None:
    _configure_and_run(conn)
else:
    asyncio.run(_run_async())
