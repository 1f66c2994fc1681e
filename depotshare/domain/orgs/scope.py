"""The access scope: what one caller may reach, computed once per request from its role
assignments and applied by every query (store/common/scoping.py) and every single-object check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from depotshare.domain.orgs.roles import PLATFORM_ROLES, ROLE_PERMISSIONS, Action, Reach, Resource, Role
from depotshare.domain.orgs.tree import minimal_prefixes, reached_by


@dataclass(frozen=True)
class Assignment:
    role: Role
    org_path: str | None  # None only for platform-wide roles


@dataclass(frozen=True)
class PermissionReach:
    """Where one permission (resource, action) reaches for one caller, from all its role
    assignments: everywhere, whole subtrees, or only the caller's own objects in some subtrees."""

    everywhere: bool = False
    subtree: tuple[str, ...] = ()  # org path prefixes reached in full
    own: tuple[str, ...] = ()  # org path prefixes where only the caller's own objects are reached

    @property
    def empty(self) -> bool:
        return not (self.everywhere or self.subtree or self.own)

    def reaches(self, org_path: str, owned_by_caller: bool = False) -> bool:
        if self.everywhere or reached_by(org_path, self.subtree):
            return True
        return owned_by_caller and reached_by(org_path, self.own)


@dataclass(frozen=True)
class Scope:
    user_id: int
    assignments: tuple[Assignment, ...] = ()
    _reaches: dict[tuple[Resource, Action], PermissionReach] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, user_id: int, assignments: Iterable[Assignment]) -> Scope:
        assignments = tuple(assignments)
        reaches: dict[tuple[Resource, Action], PermissionReach] = {}
        for resource in Resource:
            for action in Action:
                reaches[(resource, action)] = _reach_of(assignments, resource, action)
        return cls(user_id, assignments, reaches)

    @property
    def is_platform_admin(self) -> bool:
        return any(a.role in PLATFORM_ROLES for a in self.assignments)

    def reach(self, resource: Resource, action: Action) -> PermissionReach:
        return self._reaches[(resource, action)]

    def allows(
        self, resource: Resource, action: Action, org_path: str, owned_by_caller: bool = False
    ) -> bool:
        return self.reach(resource, action).reaches(org_path, owned_by_caller)

    def visible_org_prefixes(self) -> tuple[str, ...]:
        """Organisations the caller may know exist: those any of its roles is assigned on or below."""
        return minimal_prefixes(a.org_path for a in self.assignments if a.org_path is not None)


def _reach_of(assignments: tuple[Assignment, ...], resource: Resource, action: Action) -> PermissionReach:
    subtree: list[str] = []
    own: list[str] = []
    for a in assignments:
        reach = ROLE_PERMISSIONS[a.role].get((resource, action))
        if reach is None:
            continue
        if a.org_path is None:
            return PermissionReach(everywhere=True)
        (subtree if reach is Reach.SUBTREE else own).append(a.org_path)
    subtree_min = minimal_prefixes(subtree)
    own_min = tuple(p for p in minimal_prefixes(own) if not reached_by(p, subtree_min))
    return PermissionReach(subtree=subtree_min, own=own_min)


def may_assign(scope: Scope, role: Role, org_path: str | None) -> bool:
    """Who may grant a role: platform roles only a platform admin; others whoever manages users there."""
    if role in PLATFORM_ROLES or org_path is None:
        return scope.is_platform_admin
    return scope.allows(Resource.USERS, Action.WRITE, org_path)


def may_manage_user(scope: Scope, target: Iterable[Assignment]) -> bool:
    """Changing a login (name, password, status) needs user rights over every place it reaches;
    otherwise a subsidiary's admin could take over a holding-level account."""
    if scope.is_platform_admin:
        return True
    target = list(target)
    return bool(target) and all(may_assign(scope, a.role, a.org_path) for a in target)


# A raw OCPP call bypasses every typed check, so only administrators send one.
RAW_COMMAND_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.ORG_ADMIN})


def may_send_raw(scope: Scope, org_path: str) -> bool:
    """An untyped OCPP command needs an admin role reaching the station's organisation."""
    return any(
        a.role in RAW_COMMAND_ROLES and (a.org_path is None or reached_by(org_path, (a.org_path,)))
        for a in scope.assignments
    )
