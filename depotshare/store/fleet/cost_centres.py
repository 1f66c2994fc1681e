"""The cost centres repository: lookups, the scoped list, codes by id, and what refers to one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.fleet.rows import FleetRows


class CostCentres(FleetRows[CostCentre]):
    model, resource = CostCentre, Resource.COST_CENTRES
    referrers_of = {
        "employees": Employee.cost_centre_id,
        "vehicles": Vehicle.cost_centre_id,
        "tokens": Token.cost_centre_id,
    }

    async def get_scoped(self, scope: Scope, cc_id: int, action: Action) -> CostCentre | None:
        return await self.first(self.scoped(scope, action).where(CostCentre.id == cc_id))

    async def get_in_org(self, org_id: int, code: str) -> CostCentre | None:
        return await self.first(
            select(CostCentre).where(CostCentre.org_id == org_id, CostCentre.code == code)
        )

    async def find_visible(self, scope: Scope, code: str, org_ids: Sequence[int]) -> list[CostCentre]:
        """Cost centres with `code` in any of `org_ids` that `scope` may read."""
        stmt = self.scoped(scope).where(CostCentre.code == code, CostCentre.org_id.in_(org_ids))
        return list((await self.session.scalars(stmt)).all())

    async def list_scoped(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        q: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[CostCentre]:
        stmt = self.scoped(scope)
        if q:
            needle = q.lower()
            stmt = stmt.where(
                or_(
                    func.lower(CostCentre.code).contains(needle, autoescape=True),
                    func.lower(CostCentre.name).contains(needle, autoescape=True),
                )
            )
        return await self.page(stmt, org_prefix, after_id, limit)

    async def codes_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        return await self.names_by_id(CostCentre.code, ids)
