"""The employees repository: lookups, the scoped list, keys by id, the logins linked to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.fleet.rows import FleetRows
from depotshare.store.orgs.models import RoleAssignment, User


class Employees(FleetRows[Employee]):
    model, resource = Employee, Resource.EMPLOYEES
    referrers_of = {"vehicles": Vehicle.employee_id, "tokens": Token.employee_id}

    async def get_scoped(self, scope: Scope, key: str, action: Action) -> Employee | None:
        return await self.first(self.scoped(scope, action).where(Employee.key == key))

    async def get_by_key(self, key: str) -> Employee | None:
        return await self.first(select(Employee).where(Employee.key == key))

    async def list_scoped(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        q: str | None = None,
        cost_centre: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Employee]:
        stmt = self.scoped(scope)
        if q:
            needle = q.lower()
            stmt = stmt.where(
                or_(
                    Employee.key.contains(needle, autoescape=True),
                    func.lower(Employee.name).contains(needle, autoescape=True),
                    func.lower(Employee.email).contains(needle, autoescape=True),
                )
            )
        if cost_centre is not None:
            stmt = stmt.where(
                Employee.cost_centre_id.in_(select(CostCentre.id).where(CostCentre.code == cost_centre))
            )
        return await self.page(stmt, org_prefix, after_id, limit)

    async def keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        return await self.names_by_id(Employee.key, ids)

    async def emails_by_user_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(User.id, User.email).where(User.id.in_(wanted)))
        return {row.id: row.email for row in rows}

    async def login_with_role_in(self, email: str, org_ids: Sequence[int]) -> User | None:
        """The login `email` if it holds a role on one of `org_ids` (an organisation and its ancestors)."""
        with_role = select(RoleAssignment.user_id).where(RoleAssignment.org_id.in_(org_ids))
        stmt = select(User).where(User.email == email.strip().lower(), User.id.in_(with_role))
        return await self.session.scalar(stmt)
