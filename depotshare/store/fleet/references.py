"""Counting what refers to a fleet object (cost centre, employee, vehicle), so that moves and
deletes can tell what they would strand or detach."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.store.common.scoping import org_ids_under


async def count_referrers(
    session: AsyncSession, references: dict[str, Any], target_id: int, outside: str | None = None
) -> dict[str, int]:
    """How many rows point at `target_id`, per name in `references` (name -> foreign key column);
    with `outside`, only rows whose organisation is not in that subtree. Zero counts are left out."""
    counts: dict[str, int] = {}
    for name, column in references.items():
        stmt = select(func.count()).where(column == target_id)
        if outside is not None:
            org_column = column.class_.org_id
            stmt = stmt.where(org_column.not_in(org_ids_under((outside,))))
        n = await session.scalar(stmt) or 0
        if n:
            counts[name] = n
    return counts
