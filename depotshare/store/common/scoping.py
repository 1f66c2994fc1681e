"""The one place that turns an access scope into SQL filters. Every list query and every
single-object lookup of a tenant resource goes through `restrict`; nothing else writes org filters."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select, true

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.models import AccessDecision, Grant, Partnership
from depotshare.store.charging.models import ChargingSession
from depotshare.store.common.models import AuditEntry
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation, RoleAssignment
from depotshare.store.sites.models import ChargingStation, Location

_PATH = re.compile(r"^/(?:[0-9]+/)+$")


def under(path_column: Any, prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    """`path_column` lies in any of the subtrees named by path prefixes."""
    if not prefixes:
        return false()
    clauses = []
    for prefix in prefixes:
        if not _PATH.match(prefix):
            raise ValueError(f"not an organisation path: {prefix!r}")
        # Rendered into the SQL, not bound: PostgreSQL uses the text_pattern_ops index only for a
        # LIKE pattern it sees when planning; a cached generic plan of `LIKE $1` scans every row.
        # Safe to inline: a path is digits and slashes only (checked above).
        clauses.append(path_column.like(bindparam(None, prefix + "%", literal_execute=True)))
    return or_(*clauses)


def org_ids_under(prefixes: tuple[str, ...]) -> Select[Any]:
    return select(Organisation.id).where(under(Organisation.path, prefixes))


def _org_in(org_id_column: Any, prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    if not prefixes:
        return false()
    clause: ColumnElement[bool] = org_id_column.in_(org_ids_under(prefixes))
    return clause


# Where each resource family keeps its owning organisation.
def _owning_org(resource: Resource) -> Any:
    match resource:
        case Resource.LOCATIONS:
            return Location.org_id
        case Resource.STATIONS:
            return select(Location.org_id).where(Location.id == ChargingStation.location_id).scalar_subquery()
        case Resource.TOKENS:
            return Token.org_id
        case Resource.EMPLOYEES:
            return Employee.org_id
        case Resource.VEHICLES:
            return Vehicle.org_id
        case Resource.COST_CENTRES:
            return CostCentre.org_id
        case Resource.AUDIT:
            return AuditEntry.org_id
        case Resource.USERS:
            return RoleAssignment.org_id
        case Resource.SESSIONS:
            return ChargingSession.token_org_id  # frozen at the start of the session
        case Resource.SITE_SESSIONS:
            return ChargingSession.owner_org_id
        case Resource.PARTNERSHIPS:
            return Partnership.host_org_id
        case Resource.GRANTS:
            return Grant.host_org_id  # a partnership grant's host is its partnership's
        case Resource.PARTNER_ACCESS:
            return Partnership.partner_org_id  # grants: pass their partnership's partner
        case Resource.ACCESS_DECISIONS:
            return AccessDecision.token_org_id  # frozen when the decision was made
    raise ValueError(f"{resource} has no owning organisation column; pass org_column")


# Which rows are the caller's own, for permissions of OWN reach.
def _owned_by(resource: Resource, scope: Scope) -> ColumnElement[bool]:
    own_employees = select(Employee.id).where(Employee.user_id == scope.user_id)
    if resource is Resource.TOKENS:
        return Token.employee_id.in_(own_employees)
    if resource is Resource.SESSIONS:
        return ChargingSession.employee_id.in_(own_employees)
    if resource is Resource.ACCESS_DECISIONS:
        return AccessDecision.token_id.in_(select(Token.id).where(Token.employee_id.in_(own_employees)))
    return false()


def _in_subtrees(resource: Resource, column: Any, prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    if resource is Resource.SITE_ACCESS_DECISIONS and column is None:
        # The decision log keeps a location id only; the location's organisation is looked up once
        # per location, not once per entry, so the (location_id, at) index still serves the query.
        locations = select(Location.id).where(_org_in(Location.org_id, prefixes))
        clause: ColumnElement[bool] = AccessDecision.location_id.in_(locations)
        return clause
    return _org_in(column if column is not None else _owning_org(resource), prefixes)


def restrict(
    stmt: Select[Any],
    scope: Scope,
    resource: Resource,
    action: Action = Action.READ,
    org_column: Any = None,
) -> Select[Any]:
    """Keep only the rows of `resource` that `scope` may `action`."""
    return stmt.where(allowed(scope, resource, action, org_column))


def restrict_any(
    stmt: Select[Any], scope: Scope, resources: tuple[Resource, ...], action: Action
) -> Select[Any]:
    """Keep the rows any of several families admits: a charging session is visible from the fleet
    side (its token's organisation) and from the facility side (its location's organisation)."""
    return stmt.where(or_(*(allowed(scope, r, action) for r in resources)))


def allowed(scope: Scope, resource: Resource, action: Action, org_column: Any = None) -> ColumnElement[bool]:
    reach = scope.reach(resource, action)
    if reach.everywhere:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if resource is Resource.ORGANISATIONS and org_column is None:
        clauses.append(under(Organisation.path, reach.subtree))
    else:
        if reach.subtree:
            clauses.append(_in_subtrees(resource, org_column, reach.subtree))
        if reach.own:
            clauses.append(_in_subtrees(resource, org_column, reach.own) & _owned_by(resource, scope))
    return or_(*clauses) if clauses else false()
