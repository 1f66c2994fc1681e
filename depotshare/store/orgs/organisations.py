"""Queries on organisations, users and role assignments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.orgs.roles import Action, Resource, Role
from depotshare.domain.orgs.scope import Assignment, Scope
from depotshare.store.common.scoping import restrict, under
from depotshare.store.orgs.models import Organisation, RoleAssignment, User


async def get_by_key(session: AsyncSession, key: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.key == key))


async def get_scoped(session: AsyncSession, scope: Scope, key: str, action: Action) -> Organisation | None:
    stmt = restrict(
        select(Organisation).where(Organisation.key == key), scope, Resource.ORGANISATIONS, action
    )
    org: Organisation | None = await session.scalar(stmt)
    return org


async def keys_by_id(session: AsyncSession, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Organisation.id, Organisation.key).where(Organisation.id.in_(wanted)))
    return {row.id: row.key for row in rows}


async def list_scoped(
    session: AsyncSession,
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
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(Organisation.name).like(pattern) | Organisation.key.like(pattern))
    if after_id is not None:
        stmt = stmt.where(Organisation.id > after_id)
    return list((await session.scalars(stmt.order_by(Organisation.id).limit(limit))).all())


async def has_children(session: AsyncSession, org_id: int) -> bool:
    return (
        await session.scalar(select(Organisation.id).where(Organisation.parent_id == org_id).limit(1))
    ) is not None


async def rewrite_subtree_paths(
    session: AsyncSession, old_prefix: str, new_prefix: str, depth_delta: int
) -> None:
    """Move every organisation under `old_prefix` (itself included) to `new_prefix`."""
    offset = len(old_prefix) + 1
    await session.execute(
        update(Organisation)
        .where(under(Organisation.path, (old_prefix,)))
        .values(
            path=new_prefix + func.substr(Organisation.path, offset),
            depth=Organisation.depth + depth_delta,
        )
        .execution_options(synchronize_session=False)
    )


async def assignments_of(session: AsyncSession, user_id: int) -> list[Assignment]:
    rows = await session.execute(
        select(RoleAssignment.role, Organisation.path)
        .outerjoin(Organisation, Organisation.id == RoleAssignment.org_id)
        .where(RoleAssignment.user_id == user_id)
    )
    return [Assignment(Role(row.role), row.path) for row in rows]


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))
