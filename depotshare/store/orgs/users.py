"""Queries on users and their role assignments, always within a scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.orgs.models import Organisation, RoleAssignment, User


def _visible_user_ids(scope: Scope, action: Action = Action.READ) -> Select[Any]:
    return restrict(select(RoleAssignment.user_id), scope, Resource.USERS, action)


async def get_scoped(session: AsyncSession, scope: Scope, user_id: int) -> User | None:
    stmt = select(User).where(User.id == user_id)
    if not scope.reach(Resource.USERS, Action.READ).everywhere:
        stmt = stmt.where(User.id.in_(_visible_user_ids(scope)))
    return await session.scalar(stmt)


async def list_scoped(
    session: AsyncSession,
    scope: Scope,
    *,
    org_prefix: str | None = None,
    q: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[User]:
    stmt: Select[Any] = select(User)
    if not scope.reach(Resource.USERS, Action.READ).everywhere:
        stmt = stmt.where(User.id.in_(_visible_user_ids(scope)))
    if org_prefix is not None:
        in_org = select(RoleAssignment.user_id).where(RoleAssignment.org_id.in_(org_ids_under((org_prefix,))))
        stmt = stmt.where(User.id.in_(in_org))
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    if after_id is not None:
        stmt = stmt.where(User.id > after_id)
    return list((await session.scalars(stmt.order_by(User.id).limit(limit))).all())


async def assignments_with_orgs(
    session: AsyncSession, user_ids: list[int]
) -> list[tuple[RoleAssignment, Organisation | None]]:
    if not user_ids:
        return []
    rows = await session.execute(
        select(RoleAssignment, Organisation)
        .outerjoin(Organisation, Organisation.id == RoleAssignment.org_id)
        .where(RoleAssignment.user_id.in_(user_ids))
        .order_by(RoleAssignment.id)
    )
    return [(ra, org) for ra, org in rows]


async def find_assignment(
    session: AsyncSession, user_id: int, org_id: int | None, role: str
) -> RoleAssignment | None:
    stmt = select(RoleAssignment).where(RoleAssignment.user_id == user_id, RoleAssignment.role == role)
    stmt = stmt.where(RoleAssignment.org_id.is_(None) if org_id is None else RoleAssignment.org_id == org_id)
    return await session.scalar(stmt)
