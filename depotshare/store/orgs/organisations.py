"""The organisation forest: lookups by key, id and scope, and re-hanging a subtree's paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, update

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.lists import keyset, name_or_key_contains
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import restrict, under
from depotshare.store.orgs.models import Organisation


class Organisations(Repository):
    async def get_by_key(self, key: str) -> Organisation | None:
        return await self.session.scalar(select(Organisation).where(Organisation.key == key))

    async def get_by_id(self, org_id: int) -> Organisation | None:
        """From the unit of work's identity map when already read (no query then)."""
        return await self.session.get(Organisation, org_id)

    async def get_scoped(self, scope: Scope, key: str, action: Action) -> Organisation | None:
        stmt = restrict(
            select(Organisation).where(Organisation.key == key), scope, Resource.ORGANISATIONS, action
        )
        org: Organisation | None = await self.session.scalar(stmt)
        return org

    async def keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(Organisation.id, Organisation.key).where(Organisation.id.in_(wanted))
        )
        return {row.id: row.key for row in rows}

    async def list_scoped(
        self,
        scope: Scope,
        *,
        within: str | None = None,
        parent_id: int | None = None,
        roots_only: bool = False,
        q: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Organisation]:
        stmt: Select[Any] = restrict(select(Organisation), scope, Resource.ORGANISATIONS)
        if within is not None:
            stmt = stmt.where(under(Organisation.path, (within,)))
        if parent_id is not None:
            stmt = stmt.where(Organisation.parent_id == parent_id)
        if roots_only:
            stmt = stmt.where(Organisation.parent_id.is_(None))
        if q:
            stmt = stmt.where(name_or_key_contains(q, Organisation.name, Organisation.key))
        page = keyset(stmt, Organisation.id, after_id, limit)
        return list((await self.session.scalars(page)).all())

    async def has_children(self, org_id: int) -> bool:
        child = select(Organisation.id).where(Organisation.parent_id == org_id).limit(1)
        return (await self.session.scalar(child)) is not None

    async def rewrite_subtree_paths(self, old_prefix: str, new_prefix: str, depth_delta: int) -> None:
        """Move every organisation under `old_prefix` (itself included) to `new_prefix`."""
        offset = len(old_prefix) + 1
        await self.session.execute(
            update(Organisation)
            .where(under(Organisation.path, (old_prefix,)))
            .values(
                path=new_prefix + func.substr(Organisation.path, offset),
                depth=Organisation.depth + depth_delta,
            )
            .execution_options(synchronize_session=False)
        )

    async def reread_subtree(self, prefix: str) -> None:
        """Read the path and depth of the subtree's organisations again into the rows already
        loaded, after a move rewrote them in SQL (the rows are not told: synchronize_session)."""
        stmt = select(Organisation).where(under(Organisation.path, (prefix,)))
        await self.session.execute(stmt.execution_options(populate_existing=True))
