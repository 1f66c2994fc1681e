"""Where an object may live and what it may point at: the one rule for reaching an object of an
organisation (`reach`), the organisation it is created in or moved to, and references that must
stay within that organisation's lineage (own org or an ancestor)."""

from __future__ import annotations

from typing import Protocol, TypeVar

from depotshare.domain.common.actor import Actor
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.access import found, require
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import access_org
from depotshare.services.orgs.organisations import org_by_id as org_by_id  # where capabilities ask it
from depotshare.store.orgs.models import Organisation


class _Owned(Protocol):
    @property
    def org_id(self) -> int: ...


_O = TypeVar("_O", bound=_Owned)


async def reach(
    uow: UnitOfWork, actor: Actor, obj: _O | None, what: str, resource: Resource, action: Action
) -> _O:
    """An object found by a scoped lookup, for this action: absent or invisible is NotFound (the
    same answer, so nobody learns what exists elsewhere); a write needs write rights at the
    object's organisation, else Forbidden."""
    obj = found(obj, what)
    if action is Action.WRITE:
        require(actor.scope, resource, Action.WRITE, (await org_by_id(uow, obj.org_id)).path, what)
    return obj


async def target_org(uow: UnitOfWork, actor: Actor, key: str, resource: Resource) -> Organisation:
    """The organisation a fleet object is created in or moved to: NotFound when absent or
    invisible (as everywhere in the API), Forbidden when visible but not writable."""
    org = await access_org(uow, actor, key)
    require(actor.scope, resource, Action.WRITE, org.path, f"{resource.value} in organisation {key!r}")
    return org


def in_lineage(org_id: int, org: Organisation) -> bool:
    """`org_id` is `org` itself or one of its ancestors."""
    return org_id in tree.ids_on_path(org.path)
