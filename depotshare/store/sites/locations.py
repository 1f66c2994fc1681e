"""The locations repository (and the employees home chargers name), always within a scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.fleet.models import Employee
from depotshare.store.sites.models import ChargingStation, Location


class Locations(Repository):
    async def get_by_id(self, location_id: int) -> Location | None:
        return await self.session.get(Location, location_id)

    async def get_by_key(self, key: str) -> Location | None:
        return await self.session.scalar(select(Location).where(Location.key == key))

    async def get_by_station_prefix(self, prefix: str) -> Location | None:
        return await self.session.scalar(select(Location).where(Location.admit_station_prefix == prefix))

    async def admitting(self, prefixes: Sequence[str]) -> Location | None:
        """The location whose admit_station_prefix is the longest of `prefixes`."""
        stmt = select(Location).where(Location.admit_station_prefix.in_(prefixes))
        rows = (await self.session.scalars(stmt)).all()
        return max(rows, key=lambda loc: len(loc.admit_station_prefix or ""), default=None)

    async def get_scoped(self, scope: Scope, key: str, action: Action) -> Location | None:
        stmt = restrict(select(Location).where(Location.key == key), scope, Resource.LOCATIONS, action)
        location: Location | None = await self.session.scalar(stmt)
        return location

    async def list_scoped(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        q: str | None = None,
        publish: bool | None = None,
        home: bool | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Location]:
        stmt: Select[Any] = restrict(select(Location), scope, Resource.LOCATIONS)
        if org_prefix is not None:
            stmt = stmt.where(Location.org_id.in_(org_ids_under((org_prefix,))))
        if q:
            pattern = f"%{q.lower()}%"
            stmt = stmt.where(func.lower(Location.name).like(pattern) | Location.key.like(pattern))
        if publish is not None:
            stmt = stmt.where(Location.publish.is_(publish))
        if home is not None:
            stmt = stmt.where(Location.is_home.is_(home))
        if after_id is not None:
            stmt = stmt.where(Location.id > after_id)
        return list((await self.session.scalars(stmt.order_by(Location.id).limit(limit))).all())

    async def has_stations(self, location_id: int) -> bool:
        stmt = select(ChargingStation.id).where(ChargingStation.location_id == location_id).limit(1)
        return (await self.session.scalar(stmt)) is not None

    async def get_employee_scoped(self, scope: Scope, key: str) -> Employee | None:
        stmt = restrict(select(Employee).where(Employee.key == key), scope, Resource.EMPLOYEES)
        employee: Employee | None = await self.session.scalar(stmt)
        return employee

    async def employee_keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(Employee.id, Employee.key).where(Employee.id.in_(wanted)))
        return {row.id: row.key for row in rows}

    async def keys_by_id(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        """Location id -> (location key, owning organisation id)."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(Location.id, Location.key, Location.org_id).where(Location.id.in_(wanted))
        )
        return {row.id: (row.key, row.org_id) for row in rows}
