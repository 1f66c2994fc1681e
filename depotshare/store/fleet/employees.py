"""The employees repository: lookups, the scoped list, keys by id, the logins linked to them."""

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
from depotshare.store.orgs.models import RoleAssignment, User

EMPLOYEE_REFERRERS: dict[str, Any] = {"vehicles": Vehicle.employee_id, "tokens": Token.employee_id}


class Employees(Repository):
    async def get_by_id(self, employee_id: int) -> Employee | None:
        return await self.session.get(Employee, employee_id)

    async def get_scoped(self, scope: Scope, key: str, action: Action) -> Employee | None:
        stmt = restrict(select(Employee).where(Employee.key == key), scope, Resource.EMPLOYEES, action)
        employee: Employee | None = await self.session.scalar(stmt)
        return employee

    async def get_by_key(self, key: str) -> Employee | None:
        return await self.session.scalar(select(Employee).where(Employee.key == key))

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
        stmt: Select[Any] = restrict(select(Employee), scope, Resource.EMPLOYEES)
        if org_prefix is not None:
            stmt = stmt.where(Employee.org_id.in_(org_ids_under((org_prefix,))))
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
        if after_id is not None:
            stmt = stmt.where(Employee.id > after_id)
        return list((await self.session.scalars(stmt.order_by(Employee.id).limit(limit))).all())

    async def keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(Employee.id, Employee.key).where(Employee.id.in_(wanted)))
        return {row.id: row.key for row in rows}

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

    async def referrers(self, employee_id: int, outside: str | None = None) -> dict[str, int]:
        """Vehicles and tokens assigned to it (with `outside`: outside that subtree)."""
        return await count_referrers(self.session, EMPLOYEE_REFERRERS, employee_id, outside)
