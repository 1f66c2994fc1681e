"""Logins and their role assignments; lists always within a scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from depotshare.domain.orgs.roles import Action, Resource, Role
from depotshare.domain.orgs.scope import Assignment, Scope
from depotshare.store.common.lists import keyset, name_or_key_contains
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.orgs.models import Organisation, RoleAssignment, User


def _visible_user_ids(scope: Scope, action: Action = Action.READ) -> Select[Any]:
    return restrict(select(RoleAssignment.user_id), scope, Resource.USERS, action)


class Users(Repository):
    async def get_by_id(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.strip().lower()))

    async def get_scoped(self, scope: Scope, user_id: int) -> User | None:
        stmt = select(User).where(User.id == user_id)
        if not scope.reach(Resource.USERS, Action.READ).everywhere:
            stmt = stmt.where(User.id.in_(_visible_user_ids(scope)))
        return await self.session.scalar(stmt)

    async def list_scoped(
        self,
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
            in_org = select(RoleAssignment.user_id).where(
                RoleAssignment.org_id.in_(org_ids_under((org_prefix,)))
            )
            stmt = stmt.where(User.id.in_(in_org))
        if q:
            stmt = stmt.where(name_or_key_contains(q, User.name, User.email))
        return list((await self.session.scalars(keyset(stmt, User.id, after_id, limit))).all())

    async def assignments_of(self, user_id: int) -> list[Assignment]:
        """A login's roles with the paths they reach: what its scope is made of."""
        rows = await self.session.execute(
            select(RoleAssignment.role, Organisation.path)
            .outerjoin(Organisation, Organisation.id == RoleAssignment.org_id)
            .where(RoleAssignment.user_id == user_id)
        )
        return [Assignment(Role(row.role), row.path) for row in rows]

    async def assignments_with_orgs(
        self, user_ids: list[int]
    ) -> list[tuple[RoleAssignment, Organisation | None]]:
        if not user_ids:
            return []
        rows = await self.session.execute(
            select(RoleAssignment, Organisation)
            .outerjoin(Organisation, Organisation.id == RoleAssignment.org_id)
            .where(RoleAssignment.user_id.in_(user_ids))
            .order_by(RoleAssignment.id)
        )
        return [(ra, org) for ra, org in rows]

    async def find_assignment(self, user_id: int, org_id: int | None, role: str) -> RoleAssignment | None:
        stmt = select(RoleAssignment).where(RoleAssignment.user_id == user_id, RoleAssignment.role == role)
        stmt = stmt.where(
            RoleAssignment.org_id.is_(None) if org_id is None else RoleAssignment.org_id == org_id
        )
        return await self.session.scalar(stmt)
