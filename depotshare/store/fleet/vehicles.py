"""The vehicles repository: lookups, the scoped list, keys by id, what refers to one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.fleet.rows import FleetRows


class Vehicles(FleetRows[Vehicle]):
    model, resource = Vehicle, Resource.VEHICLES
    referrers_of = {"tokens": Token.vehicle_id}

    async def get_scoped(self, scope: Scope, key: str, action: Action) -> Vehicle | None:
        return await self.first(self.scoped(scope, action).where(Vehicle.key == key))

    async def get_by_key(self, key: str) -> Vehicle | None:
        return await self.first(select(Vehicle).where(Vehicle.key == key))

    async def list_scoped(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        q: str | None = None,
        employee: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Vehicle]:
        stmt = self.scoped(scope)
        if q:
            needle = q.lower()
            stmt = stmt.where(
                or_(
                    Vehicle.key.contains(needle, autoescape=True),
                    func.lower(Vehicle.plate).contains(needle, autoescape=True),
                    func.lower(Vehicle.description).contains(needle, autoescape=True),
                )
            )
        if employee is not None:
            stmt = stmt.where(
                Vehicle.employee_id == select(Employee.id).where(Employee.key == employee).scalar_subquery()
            )
        return await self.page(stmt, org_prefix, after_id, limit)

    async def keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        return await self.names_by_id(Vehicle.key, ids)
