"""The cost centres repository: lookups, the scoped list, codes by id, and what refers to one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.fleet.references import count_referrers

COST_CENTRE_REFERRERS: dict[str, Any] = {
    "employees": Employee.cost_centre_id,
    "vehicles": Vehicle.cost_centre_id,
    "tokens": Token.cost_centre_id,
}


class CostCentres(Repository):
    async def get_by_id(self, cc_id: int) -> CostCentre | None:
        return await self.session.get(CostCentre, cc_id)

    async def get_scoped(self, scope: Scope, cc_id: int, action: Action) -> CostCentre | None:
        stmt = restrict(
            select(CostCentre).where(CostCentre.id == cc_id), scope, Resource.COST_CENTRES, action
        )
        cc: CostCentre | None = await self.session.scalar(stmt)
        return cc

    async def get_in_org(self, org_id: int, code: str) -> CostCentre | None:
        return await self.session.scalar(
            select(CostCentre).where(CostCentre.org_id == org_id, CostCentre.code == code)
        )

    async def find_visible(self, scope: Scope, code: str, org_ids: Sequence[int]) -> list[CostCentre]:
        """Cost centres with `code` in any of `org_ids` that `scope` may read."""
        stmt = select(CostCentre).where(CostCentre.code == code, CostCentre.org_id.in_(org_ids))
        return list((await self.session.scalars(restrict(stmt, scope, Resource.COST_CENTRES))).all())

    async def list_scoped(
        self,
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
        return list((await self.session.scalars(stmt.order_by(CostCentre.id).limit(limit))).all())

    async def codes_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(CostCentre.id, CostCentre.code).where(CostCentre.id.in_(wanted))
        )
        return {row.id: row.code for row in rows}

    async def referrers(self, cc_id: int, outside: str | None = None) -> dict[str, int]:
        """Employees, vehicles and tokens booked to it (with `outside`: outside that subtree)."""
        return await count_referrers(self.session, COST_CENTRE_REFERRERS, cc_id, outside)
