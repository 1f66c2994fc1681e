"""The lookup every capability's views make: one column of the rows with these ids (a key, a
uid, a code), in one query, the absent ids (None) skipped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

V = TypeVar("V")


async def column_by_id(
    session: AsyncSession,
    id_column: InstrumentedAttribute[int],
    column: InstrumentedAttribute[V],
    ids: Sequence[int | None],
) -> dict[int, V]:
    """`column` of each row of `id_column` in `ids`; no query when there are none."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(id_column, column).where(id_column.in_(wanted)))
    return {row_id: value for row_id, value in rows}
