"""The vehicles repository: lookups, the scoped list, keys by id, what refers to one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.fleet.references import count_referrers

VEHICLE_REFERRERS: dict[str, Any] = {"tokens": Token.vehicle_id}


class Vehicles(Repository):
    async def get_by_id(self, vehicle_id: int) -> Vehicle | None:
        return await self.session.get(Vehicle, vehicle_id)

    async def get_scoped(self, scope: Scope, key: str, action: Action) -> Vehicle | None:
        stmt = restrict(select(Vehicle).where(Vehicle.key == key), scope, Resource.VEHICLES, action)
        vehicle: Vehicle | None = await self.session.scalar(stmt)
        return vehicle

    async def get_by_key(self, key: str) -> Vehicle | None:
        return await self.session.scalar(select(Vehicle).where(Vehicle.key == key))

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
        stmt: Select[Any] = restrict(select(Vehicle), scope, Resource.VEHICLES)
        if org_prefix is not None:
            stmt = stmt.where(Vehicle.org_id.in_(org_ids_under((org_prefix,))))
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
        if after_id is not None:
            stmt = stmt.where(Vehicle.id > after_id)
        return list((await self.session.scalars(stmt.order_by(Vehicle.id).limit(limit))).all())

    async def keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(Vehicle.id, Vehicle.key).where(Vehicle.id.in_(wanted)))
        return {row.id: row.key for row in rows}

    async def referrers(self, vehicle_id: int, outside: str | None = None) -> dict[str, int]:
        """Tokens assigned to it (with `outside`: outside that subtree)."""
        return await count_referrers(self.session, VEHICLE_REFERRERS, vehicle_id, outside)
