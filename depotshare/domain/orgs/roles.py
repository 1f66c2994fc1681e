"""The role table: which permission each role grants, and how far it reaches.

This table is the single source of the permission rules. `docs/permissions.md` is generated
from it and the security tests are generated from it; change the rule here, nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    ORG_ADMIN = "org_admin"
    FLEET_MANAGER = "fleet_manager"
    FACILITY_MANAGER = "facility_manager"
    DRIVER = "driver"


class Resource(enum.StrEnum):
    """Resource families; every tenant object belongs to exactly one."""

    ORGANISATIONS = "organisations"
    USERS = "users"  # users and their role assignments
    LOCATIONS = "locations"
    STATIONS = "stations"  # charging stations with their EVSEs and connectors
    TOKENS = "tokens"
    EMPLOYEES = "employees"
    VEHICLES = "vehicles"
    COST_CENTRES = "cost_centres"
    SESSIONS = "sessions"  # charging sessions of the organisation's tokens (the fleet side)
    SITE_SESSIONS = "site_sessions"  # charging sessions at the organisation's locations (the facility side)
    AUDIT = "audit"


class Action(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class Reach(enum.IntEnum):
    """How far a permission granted on an organisation extends. Ordered: larger reaches more."""

    OWN = 1  # only objects tied to the user's own employee record (a driver's cards)
    SUBTREE = 2  # everything in the organisation and all its descendants


Permission = tuple[Resource, Action]

R, W = Action.READ, Action.WRITE
# The audit log is written by the system only; nobody holds audit:write.
_ALL = {
    (res, act): Reach.SUBTREE
    for res in Resource
    for act in Action
    if (res, act) != (Resource.AUDIT, Action.WRITE)
}

ROLE_PERMISSIONS: Mapping[Role, Mapping[Permission, Reach]] = {
    # Platform admins hold every permission everywhere, including on organisations they
    # have no assignment in (roots, new customers); see Scope.platform_admin.
    Role.PLATFORM_ADMIN: _ALL,
    Role.ORG_ADMIN: _ALL,
    Role.FLEET_MANAGER: {
        (Resource.ORGANISATIONS, R): Reach.SUBTREE,
        (Resource.TOKENS, R): Reach.SUBTREE,
        (Resource.TOKENS, W): Reach.SUBTREE,
        (Resource.EMPLOYEES, R): Reach.SUBTREE,
        (Resource.EMPLOYEES, W): Reach.SUBTREE,
        (Resource.VEHICLES, R): Reach.SUBTREE,
        (Resource.VEHICLES, W): Reach.SUBTREE,
        (Resource.COST_CENTRES, R): Reach.SUBTREE,
        (Resource.COST_CENTRES, W): Reach.SUBTREE,
        (Resource.SESSIONS, R): Reach.SUBTREE,
    },
    Role.FACILITY_MANAGER: {
        (Resource.ORGANISATIONS, R): Reach.SUBTREE,
        (Resource.LOCATIONS, R): Reach.SUBTREE,
        (Resource.LOCATIONS, W): Reach.SUBTREE,
        (Resource.STATIONS, R): Reach.SUBTREE,
        (Resource.STATIONS, W): Reach.SUBTREE,
        # Home chargers name the employee they belong to; facility managers must see who.
        (Resource.EMPLOYEES, R): Reach.SUBTREE,
        (Resource.SITE_SESSIONS, R): Reach.SUBTREE,
    },
    Role.DRIVER: {
        (Resource.ORGANISATIONS, R): Reach.SUBTREE,
        (Resource.TOKENS, R): Reach.OWN,
        (Resource.SESSIONS, R): Reach.OWN,
    },
}

# Roles that may only be granted platform-wide, without an organisation.
PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN})


def permissions_of(role: Role) -> Mapping[Permission, Reach]:
    return ROLE_PERMISSIONS[role]
