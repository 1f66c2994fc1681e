"""The same forest properties against the real database and services: materialised paths
written by create and move match the tree, and a role's reach follows a moved subtree."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from depotshare.config import Settings
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict
from depotshare.domain.orgs.roles import Role
from depotshare.domain.orgs.scope import Assignment, Scope
from depotshare.services.orgs import organisations as orgs
from depotshare.services.runtime import Runtime
from depotshare.store.common.base import Base
from tests.domain.orgs.test_org_tree_properties import forests, is_ancestor_or_self

SYSTEM = Actor.system("property-test")


async def _wipe(rt: Runtime) -> None:
    async with rt.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(text(f"DELETE FROM {table.name}"))


async def _visible_keys(rt: Runtime, holder_key: str) -> set[str]:
    async with rt.uow() as uow:
        holder = await orgs.access_org(uow, SYSTEM, holder_key)
        actor = Actor(99, "fm", Scope.of(99, [Assignment(Role.FLEET_MANAGER, holder.path)]))
        keys: set[str] = set()
        cursor = None
        while True:
            page = await orgs.list_organisations(uow, actor, cursor=cursor, limit=7)
            keys |= {o.key for o in page.items}
            if page.next_cursor is None:
                return keys
            cursor = page.next_cursor


async def _scenario(
    settings_: Settings, parents: list[int | None], holder: int, moved: int, target: int | None
) -> None:
    rt = Runtime(settings_)
    try:
        await _wipe(rt)
        for i, p in enumerate(parents):
            async with rt.uow() as uow:
                await orgs.create_organisation(
                    uow, SYSTEM, key=f"o{i}", name=f"Org {i}", parent=f"o{p}" if p is not None else None
                )
        expected = {f"o{n}" for n in range(len(parents)) if is_ancestor_or_self(parents, holder, n)}
        assert await _visible_keys(rt, f"o{holder}") == expected
        async with rt.uow() as uow:
            try:
                await orgs.update_organisation(
                    uow,
                    SYSTEM,
                    f"o{moved}",
                    parent=f"o{target}" if target is not None else None,
                    make_root=target is None,
                )
            except Conflict:
                assert target is not None and is_ancestor_or_self(parents, moved, target)
                return
        new_parents = list(parents)
        new_parents[moved] = target
        expected = {f"o{n}" for n in range(len(parents)) if is_ancestor_or_self(new_parents, holder, n)}
        assert await _visible_keys(rt, f"o{holder}") == expected
        async with rt.uow() as uow:  # depth is stored too; check it against the new tree
            for n in range(len(parents)):
                view = await orgs.get_organisation(uow, SYSTEM, f"o{n}")
                depth, node = 0, new_parents[n]
                while node is not None:
                    depth, node = depth + 1, new_parents[node]
                assert view.depth == depth
    finally:
        await _wipe(rt)
        await rt.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forests(max_size=10), st.data())
def test_reach_follows_moves_in_the_database(
    runtime: Runtime, settings: Settings, parents: list[int | None], data: st.DataObject
) -> None:
    del runtime  # only here so the schema is migrated first
    n = len(parents)
    holder = data.draw(st.integers(0, n - 1))
    moved = data.draw(st.integers(0, n - 1))
    target = data.draw(st.none() | st.integers(0, n - 1))
    asyncio.run(_scenario(settings, parents, holder, moved, target))
