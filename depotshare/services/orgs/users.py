"""Users and role assignments: one login, many organisations. Who may change a login is
decided by domain.orgs.scope (may_assign, may_manage_user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs.roles import PLATFORM_ROLES, Action, Resource, Role
from depotshare.domain.orgs.scope import Assignment, may_assign, may_manage_user
from depotshare.services.common.access import found
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import security
from depotshare.services.orgs.organisations import access_org, subtree_filter
from depotshare.store.orgs.models import Organisation, RoleAssignment, User
from depotshare.store.orgs.users import Users

USERS = Resource.USERS


@dataclass(frozen=True)
class RoleAssignmentView:
    id: int
    role: str
    org: str | None


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    name: str
    is_active: bool
    created_at: datetime
    roles: list[RoleAssignmentView] = field(default_factory=list)


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    org: str | None


def _assignment(ra: RoleAssignment, org: Organisation | None) -> Assignment:
    return Assignment(Role(ra.role), org.path if org else None)


async def _views(uow: UnitOfWork, actor: Actor, users: list[User]) -> dict[int, UserView]:
    """Users with the role assignments the actor may see (never one on an organisation it cannot see)."""
    rows = await uow.repo(Users).assignments_with_orgs([u.id for u in users])
    roles: dict[int, list[RoleAssignmentView]] = {u.id: [] for u in users}
    for ra, org in rows:
        visible = (
            actor.scope.is_platform_admin
            or (org is not None and actor.scope.allows(USERS, Action.READ, org.path))
            or ra.user_id == actor.user_id
        )
        if visible:
            roles[ra.user_id].append(RoleAssignmentView(ra.id, ra.role, org.key if org else None))
    return {u.id: UserView(u.id, u.email, u.name, u.is_active, u.created_at, roles[u.id]) for u in users}


async def _one_view(uow: UnitOfWork, actor: Actor, user: User) -> UserView:
    return (await _views(uow, actor, [user]))[user.id]


async def access_user(uow: UnitOfWork, actor: Actor, user_id: int, manage: bool = False) -> User:
    user = found(await uow.repo(Users).get_scoped(actor.scope, user_id), f"user {user_id}")
    if manage:
        rows = await uow.repo(Users).assignments_with_orgs([user.id])
        if not may_manage_user(actor.scope, [_assignment(ra, org) for ra, org in rows]):
            raise Forbidden("this login also has roles outside the organisations you administer")
    return user


async def get_self(uow: UnitOfWork, actor: Actor) -> UserView:
    user = found(await uow.repo(Users).get_by_id(actor.user_id), "user") if actor.user_id else None
    if user is None:
        raise NotFound("user not found")
    return await _one_view(uow, actor, user)


async def list_users(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[UserView]:
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(Users).list_scoped(
        actor.scope, org_prefix=prefix, q=q, after_id=decode_cursor(cursor), limit=limit + 1
    )
    views = await _views(uow, actor, rows[:limit])
    return page_of(rows, limit, lambda u: u.id, lambda u: views[u.id])


async def get_user(uow: UnitOfWork, actor: Actor, user_id: int) -> UserView:
    return await _one_view(uow, actor, await access_user(uow, actor, user_id))


async def _resolve_role(uow: UnitOfWork, actor: Actor, spec: RoleSpec, path: str) -> Organisation | None:
    if spec.role in PLATFORM_ROLES:
        if spec.org is not None:
            raise InvalidInput(f"{path}.org", f"{spec.role.value} is platform-wide and takes no organisation")
        if not may_assign(actor.scope, spec.role, None):
            raise Forbidden("only platform admins grant platform roles")
        return None
    if spec.org is None:
        raise InvalidInput(f"{path}.org", f"{spec.role.value} needs an organisation")
    org = await access_org(uow, actor, spec.org)
    if not may_assign(actor.scope, spec.role, org.path):
        raise Forbidden(f"you may not grant roles on organisation {spec.org!r}")
    return org


async def create_user(
    uow: UnitOfWork, actor: Actor, *, email: str, name: str, password: str | None, roles: list[RoleSpec]
) -> UserView:
    if not roles and not actor.scope.is_platform_admin:
        raise InvalidInput("roles", "give the new login at least one role in your organisations")
    targets = [await _resolve_role(uow, actor, spec, f"roles[{i}]") for i, spec in enumerate(roles)]
    email = email.strip().lower()
    if await uow.repo(Users).get_by_email(email) is not None:
        raise Conflict(f"a user with email {email!r} already exists")
    user = User(email=email, name=name, password_hash=security.hash_password(password) if password else None)
    uow.repo(Users).add(user)
    await uow.flush()
    for spec, org in zip(roles, targets, strict=True):
        uow.repo(Users).add(
            RoleAssignment(user_id=user.id, org_id=org.id if org else None, role=spec.role.value)
        )
    await uow.flush()
    await uow.emit(
        Changed(
            actor=actor,
            entity="user",
            entity_id=user.id,
            action="create",
            org_id=targets[0].id if targets and targets[0] else None,
            after={"email": email, "name": name, "roles": [[s.role.value, s.org] for s in roles]},
        )
    )
    await uow.commit()
    return await _one_view(uow, actor, user)


async def update_user(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int,
    *,
    name: str | None = None,
    password: str | None = None,
    is_active: bool | None = None,
) -> UserView:
    user = await access_user(uow, actor, user_id, manage=True)
    before = {"name": user.name, "is_active": user.is_active}
    if name is not None:
        user.name = name
    if is_active is not None:
        if user.id == actor.user_id and not is_active:
            raise Conflict("you cannot deactivate your own login")
        user.is_active = is_active
    if password is not None:
        user.password_hash = security.hash_password(password)
    after = {"name": user.name, "is_active": user.is_active}
    if password is not None:
        after["password"] = "changed"
    if after != before:
        await uow.emit(
            Changed(
                actor=actor,
                entity="user",
                entity_id=user.id,
                action="update",
                org_id=await _home_org(uow, user.id),
                before=before,
                after=after,
            )
        )
    await uow.commit()
    return await _one_view(uow, actor, user)


async def delete_user(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    user = await access_user(uow, actor, user_id, manage=True)
    if user.id == actor.user_id:
        raise Conflict("you cannot delete your own login")
    await uow.emit(
        Changed(
            actor=actor,
            entity="user",
            entity_id=user.id,
            action="delete",
            org_id=await _home_org(uow, user.id),
            before={"email": user.email, "name": user.name},
        )
    )
    await uow.repo(Users).delete(user)
    await uow.commit()


async def add_role(uow: UnitOfWork, actor: Actor, user_id: int, spec: RoleSpec) -> UserView:
    user = await access_user(uow, actor, user_id)
    org = await _resolve_role(uow, actor, spec, "body")
    if await uow.repo(Users).find_assignment(user.id, org.id if org else None, spec.role.value) is None:
        uow.repo(Users).add(
            RoleAssignment(user_id=user.id, org_id=org.id if org else None, role=spec.role.value)
        )
        await uow.emit(
            Changed(
                actor=actor,
                entity="role_assignment",
                entity_id=user.id,
                action="create",
                org_id=org.id if org else None,
                after={"user": user.email, "role": spec.role.value, "org": spec.org},
            )
        )
        await uow.commit()
    return await _one_view(uow, actor, user)


async def remove_role(uow: UnitOfWork, actor: Actor, user_id: int, assignment_id: int) -> UserView:
    user = await access_user(uow, actor, user_id)
    rows = await uow.repo(Users).assignments_with_orgs([user.id])
    match = next(((ra, org) for ra, org in rows if ra.id == assignment_id), None)
    if match is None:
        raise NotFound(f"role assignment {assignment_id} not found")
    ra, org = match
    if not may_assign(actor.scope, Role(ra.role), org.path if org else None):
        if org is not None and not actor.scope.allows(USERS, Action.READ, org.path):
            raise NotFound(f"role assignment {assignment_id} not found")
        raise Forbidden("you may not remove this role")
    await uow.emit(
        Changed(
            actor=actor,
            entity="role_assignment",
            entity_id=user.id,
            action="delete",
            org_id=org.id if org else None,
            before={"user": user.email, "role": ra.role, "org": org.key if org else None},
        )
    )
    await uow.repo(Users).delete(ra)
    await uow.commit()
    return await _one_view(uow, actor, user)


async def _home_org(uow: UnitOfWork, user_id: int) -> int | None:
    """The organisation an audit entry about a login is filed under: its first assignment's."""
    rows = await uow.repo(Users).assignments_with_orgs([user_id])
    return next((org.id for _, org in rows if org is not None), None)
