"""Queries on cost centres, and counting what refers to a fleet object (cost centre, employee,
vehicle) so moves and deletes can tell what they would strand or detach."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle


async def get_scoped(session: AsyncSession, scope: Scope, cc_id: int, action: Action) -> CostCentre | None:
    stmt = restrict(select(CostCentre).where(CostCentre.id == cc_id), scope, Resource.COST_CENTRES, action)
    cc: CostCentre | None = await session.scalar(stmt)
    return cc


async def get_in_org(session: AsyncSession, org_id: int, code: str) -> CostCentre | None:
    return await session.scalar(
        select(CostCentre).where(CostCentre.org_id == org_id, CostCentre.code == code)
    )


async def find_visible(
    session: AsyncSession, scope: Scope, code: str, org_ids: Sequence[int]
) -> list[CostCentre]:
    """Cost centres with `code` in any of `org_ids` that `scope` may read."""
    stmt = select(CostCentre).where(CostCentre.code == code, CostCentre.org_id.in_(org_ids))
    return list((await session.scalars(restrict(stmt, scope, Resource.COST_CENTRES))).all())


async def list_scoped(
    session: AsyncSession,
    scope: Scope,
    *,
    org_prefix: str | None = None,
    q: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[CostCentre]:
    stmt: Select[Any] = restrict(select(CostCentre), scope, Resource.COST_CENTRES)
    if org_prefix is not None:
        stmt = stmt.where(CostCentre.org_id.in_(org_ids_under((org_prefix,))))
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(CostCentre.code).contains(needle, autoescape=True),
                func.lower(CostCentre.name).contains(needle, autoescape=True),
            )
        )
    if after_id is not None:
        stmt = stmt.where(CostCentre.id > after_id)
    return list((await session.scalars(stmt.order_by(CostCentre.id).limit(limit))).all())


async def codes_by_id(session: AsyncSession, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(CostCentre.id, CostCentre.code).where(CostCentre.id.in_(wanted)))
    return {row.id: row.code for row in rows}


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


COST_CENTRE_REFERRERS: dict[str, Any] = {
    "employees": Employee.cost_centre_id,
    "vehicles": Vehicle.cost_centre_id,
    "tokens": Token.cost_centre_id,
}
