"""Single-object access checks on top of a scoped lookup: absent or invisible is NotFound,
visible but not writable is Forbidden."""

from __future__ import annotations

from typing import TypeVar

from depotshare.domain.common.errors import Forbidden, NotFound
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope

T = TypeVar("T")


def found(obj: T | None, what: str) -> T:
    if obj is None:
        raise NotFound(f"{what} not found")
    return obj


def require(scope: Scope, resource: Resource, action: Action, org_path: str, what: str) -> None:
    if not scope.allows(resource, action, org_path):
        raise Forbidden(f"you may not {action.value} {what}")
