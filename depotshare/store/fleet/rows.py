"""What the fleet's repositories share: a row by id, the scoped list's filters by organisation and
keyset, names by id for the views of a page, and what refers to a row (so that moves and deletes
can tell what they would strand or detach)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle

M = TypeVar("M", CostCentre, Employee, Token, Vehicle)


class FleetRows(Repository, Generic[M]):
    model: type[M]
    resource: Resource
    referrers_of: dict[str, Any] = {}  # name -> the foreign key column of the rows that refer to one

    async def get_by_id(self, row_id: int) -> M | None:
        return await self.session.get(self.model, row_id)

    def scoped(self, scope: Scope, action: Action = Action.READ) -> Select[Any]:
        return restrict(select(self.model), scope, self.resource, action)

    async def first(self, stmt: Select[Any]) -> M | None:
        row: M | None = await self.session.scalar(stmt)
        return row

    async def page(
        self, stmt: Select[Any], org_prefix: str | None, after_id: int | None, limit: int
    ) -> list[M]:
        """A keyset page of `stmt` (ordered by id), within the subtree `org_prefix` if given."""
        if org_prefix is not None:
            stmt = stmt.where(self.model.org_id.in_(org_ids_under((org_prefix,))))
        if after_id is not None:
            stmt = stmt.where(self.model.id > after_id)
        return list((await self.session.scalars(stmt.order_by(self.model.id).limit(limit))).all())

    async def names_by_id(self, name: Any, ids: Sequence[int | None]) -> dict[int, str]:
        """The column `name` of the rows `ids` (one query; none when no id is given)."""
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(self.model.id, name).where(self.model.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}

    async def referrers(self, target_id: int, outside: str | None = None) -> dict[str, int]:
        """How many rows refer to `target_id`, per kind (`referrers_of`); with `outside`, only those
        whose organisation is not in that subtree. Zero counts are left out."""
        counts: dict[str, int] = {}
        for name, column in self.referrers_of.items():
            stmt = select(func.count()).where(column == target_id)
            if outside is not None:
                stmt = stmt.where(column.class_.org_id.not_in(org_ids_under((outside,))))
            n = await self.session.scalar(stmt) or 0
            if n:
                counts[name] = n
        return counts
