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
    # Partner access, host side: the partnerships the organisation hosts with their terms (tariff,
    # revenue share, status), and the access grants that open its locations to partners.
    PARTNERSHIPS = "partnerships"
    GRANTS = "grants"
    # Partner side: the partnerships and grants that name the organisation as the partner. Read only:
    # only the host changes them.
    PARTNER_ACCESS = "partner_access"
    # The access decision log: decisions about the organisation's tokens (the fleet side; a driver
    # its own cards'), and all decisions at its locations (the facility side).
    ACCESS_DECISIONS = "access_decisions"
    SITE_ACCESS_DECISIONS = "site_access_decisions"


class Action(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class Reach(enum.IntEnum):
    """How far a permission granted on an organisation extends. Ordered: larger reaches more."""

    OWN = 1  # only objects tied to the user's own employee record (a driver's cards)
    SUBTREE = 2  # everything in the organisation and all its descendants


Permission = tuple[Resource, Action]

R, W = Action.READ, Action.WRITE
# Written by the system only (the audit log, the decision log) or only by the other side of a
# partnership (partner_access): nobody holds write on them.
READ_ONLY = frozenset(
    {Resource.AUDIT, Resource.PARTNER_ACCESS, Resource.ACCESS_DECISIONS, Resource.SITE_ACCESS_DECISIONS}
)
_ALL = {
    (res, act): Reach.SUBTREE for res in Resource for act in Action if not (res in READ_ONLY and act is W)
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
        # A partner's fleet manager reads the terms its drivers charge under and why they were refused.
        (Resource.PARTNER_ACCESS, R): Reach.SUBTREE,
        (Resource.ACCESS_DECISIONS, R): Reach.SUBTREE,
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
        # Who may charge where and when is run by whoever runs the chargers: facility managers manage
        # the grants at their locations; the commercial terms (partnerships: tariff, revenue share,
        # status) stay with org_admin, facility managers only read them.
        (Resource.PARTNERSHIPS, R): Reach.SUBTREE,
        (Resource.GRANTS, R): Reach.SUBTREE,
        (Resource.GRANTS, W): Reach.SUBTREE,
        (Resource.SITE_ACCESS_DECISIONS, R): Reach.SUBTREE,
    },
    Role.DRIVER: {
        (Resource.ORGANISATIONS, R): Reach.SUBTREE,
        (Resource.TOKENS, R): Reach.OWN,
        (Resource.SESSIONS, R): Reach.OWN,
        (Resource.ACCESS_DECISIONS, R): Reach.OWN,
    },
}

# Roles that may only be granted platform-wide, without an organisation.
PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN})


def permissions_of(role: Role) -> Mapping[Permission, Reach]:
    return ROLE_PERMISSIONS[role]
