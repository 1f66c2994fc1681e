"""Users and role assignments: one login, many organisations. Who may change a login is
decided by domain.orgs.scope (may_assign, may_manage_user). One write, `apply_user`, serves the
API, the import and the first run alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from depotshare.domain.orgs.roles import PLATFORM_ROLES, Action, Resource, Role
from depotshare.domain.orgs.scope import Assignment, may_assign, may_manage_user
from depotshare.services.common.access import found
from depotshare.services.common.changes import created, deleted, updated
from depotshare.services.common.copying import copy_of
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
    return {u.id: copy_of(UserView, u, roles=roles[u.id]) for u in users}


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
    if await find_user(uow, email) is not None:
        raise Conflict(f"a user with email {email!r} already exists")
    credential = password_setter(password) if password else None
    resolved = [(spec.role, org) for spec, org in zip(roles, targets, strict=True)]
    written = await apply_user(
        uow, actor, None, email=email, name=name, credential=credential, roles=resolved
    )
    await uow.commit()
    return await _one_view(uow, actor, written.user)


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
    credential = password_setter(password) if password is not None else None
    held = await held_roles(uow, user)
    await apply_user(
        uow, actor, user, email=user.email, name=name, is_active=is_active, credential=credential, held=held
    )
    await uow.commit()
    return await _one_view(uow, actor, user)


async def add_role(uow: UnitOfWork, actor: Actor, user_id: int, spec: RoleSpec) -> UserView:
    user = await access_user(uow, actor, user_id)
    org = await _resolve_role(uow, actor, spec, "body")
    held = await held_roles(uow, user)
    if (await apply_user(uow, actor, user, email=user.email, roles=[(spec.role, org)], held=held)).changed:
        await uow.commit()
    return await _one_view(uow, actor, user)


# Sets a login's password on its row; True when the credential changed.
SetCredential = Callable[[User], bool]
ResolvedRole = tuple[Role, Organisation | None]


@dataclass(frozen=True)
class UserWrite:
    user: User
    changed: bool
    added: list[RoleAssignment]  # the role assignments written


async def apply_user(
    uow: UnitOfWork,
    actor: Actor,
    user: User | None,
    *,
    email: str,
    name: str | None = None,
    is_active: bool | None = None,
    credential: SetCredential | None = None,
    roles: Sequence[ResolvedRole] = (),
    held: Sequence[tuple[int | None, str]] = (),
) -> UserWrite:
    """The one write of a login, for the API, the import and the first run: create `email`
    (`user` None) or change what is given (None keeps it), and add the `roles` it does not hold
    yet (`held`: its assignments as (org id, role), oldest first; roles it holds otherwise stay).
    Checks no rights (the caller did); audited with one picture of a login (never a password: an
    update says "changed"), a role added to an existing login as its own entry; no commit."""
    repo = uow.repo(Users)
    new = user is None
    if user is None:
        assert name is not None, "a new login needs a name"
        user = User(email=email, name=name, is_active=True)
        repo.add(user)
    before = _picture(user)
    if name is not None:
        user.name = name
    if is_active is not None:
        if not is_active and user.id is not None and user.id == actor.user_id:
            raise Conflict("you cannot deactivate your own login")
        user.is_active = is_active
    after: dict[str, object] = _picture(user)
    if credential is not None and credential(user) and not new:
        after["password"] = "changed"
    await uow.flush()
    added = await _add_roles(uow, actor, user, roles, {(org_id, role) for org_id, role in held}, not new)
    if new:
        after["roles"] = [[role.value, org.key if org else None] for role, org in roles]
        await created(uow, actor, "user", user.id, added[0].org_id if added else None, after)
        return UserWrite(user, True, added)
    home = _home_org([*held, *((ra.org_id, ra.role) for ra in added)])
    changed = await updated(uow, actor, "user", user.id, home, before, after)
    return UserWrite(user, changed or bool(added), added)


async def _add_roles(
    uow: UnitOfWork,
    actor: Actor,
    user: User,
    roles: Sequence[ResolvedRole],
    held: set[tuple[int | None, str]],
    audited: bool,
) -> list[RoleAssignment]:
    added = []
    for role, org in roles:
        org_id = org.id if org else None
        if (org_id, role.value) in held:
            continue
        held.add((org_id, role.value))
        added.append(RoleAssignment(user_id=user.id, org_id=org_id, role=role.value))
        if audited:
            after = {"user": user.email, "role": role.value, "org": org.key if org else None}
            await created(uow, actor, "role_assignment", user.id, org_id, after)
    uow.repo(Users).add_all(added)
    await uow.flush()
    return added


def _home_org(held: Sequence[tuple[int | None, str]]) -> int | None:
    """The organisation an audit entry about a login is filed under: its first assignment's."""
    return next((org_id for org_id, _ in held if org_id is not None), None)


def _picture(user: User) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "is_active": user.is_active}


def password_setter(password: str) -> SetCredential:
    """The API's credential: `password` hashed (a new hash each time, so it always changes)."""

    def set_password(user: User) -> bool:
        user.password_hash = security.hash_password(password)
        return True

    return set_password


async def find_user(uow: UnitOfWork, email: str) -> User | None:
    """A login by email, unscoped: for the import and the first run, and to refuse a duplicate."""
    return await uow.repo(Users).get_by_email(email)


async def held_roles(uow: UnitOfWork, user: User) -> list[tuple[int | None, str]]:
    """A login's assignments as (org id, role), oldest first: `held` for apply_user."""
    return [(ra.org_id, ra.role) for ra, _ in await uow.repo(Users).assignments_with_orgs([user.id])]


async def delete_user(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    user = await access_user(uow, actor, user_id, manage=True)
    if user.id == actor.user_id:
        raise Conflict("you cannot delete your own login")
    before = {"email": user.email, "name": user.name}
    await deleted(uow, actor, "user", user.id, _home_org(await held_roles(uow, user)), before)
    await uow.repo(Users).delete(user)
    await uow.commit()


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
    before = {"user": user.email, "role": ra.role, "org": org.key if org else None}
    await deleted(uow, actor, "role_assignment", user.id, org.id if org else None, before)
    await uow.repo(Users).delete(ra)
    await uow.commit()
    return await _one_view(uow, actor, user)
