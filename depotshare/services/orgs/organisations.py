"""Organisations: the forest every tenant object hangs in; create, rename, move, delete. One write,
`apply_organisation`, serves the API and the import alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, Forbidden, NotFound
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.events import OrganisationChanged
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.access import found, require
from depotshare.services.common.changes import created, deleted, updated
from depotshare.services.common.copying import copy_of
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.orgs.models import Organisation
from depotshare.store.orgs.organisations import Organisations

ORGS = Resource.ORGANISATIONS


@dataclass(frozen=True)
class OrganisationView:
    id: int
    key: str
    name: str
    parent: str | None
    depth: int
    created_at: datetime


def _view(org: Organisation, parent_key: str | None) -> OrganisationView:
    return copy_of(OrganisationView, org, parent=parent_key)


def _snapshot(org: Organisation, parent_key: str | None) -> dict[str, object]:
    return {"key": org.key, "name": org.name, "parent": parent_key}


async def access_org(uow: UnitOfWork, actor: Actor, key: str, action: Action = Action.READ) -> Organisation:
    """The only way to reach an organisation: NotFound when absent or invisible."""
    org = found(
        await uow.repo(Organisations).get_scoped(actor.scope, key, Action.READ), f"organisation {key!r}"
    )
    if action is Action.WRITE:
        require(actor.scope, ORGS, Action.WRITE, org.path, f"organisation {key!r}")
    return org


async def org_keys(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Keys of organisations by id, for the views of other capabilities (one query)."""
    return await uow.repo(Organisations).keys_by_id(ids)


async def org_by_id(uow: UnitOfWork, org_id: int) -> Organisation:
    """The organisation an object of another capability belongs to (it exists: a foreign key)."""
    return found(await uow.repo(Organisations).get_by_id(org_id), "organisation")


async def find_org(uow: UnitOfWork, key: str) -> Organisation | None:
    """An organisation by key, unscoped: for filters and subjects that name another company."""
    return await uow.repo(Organisations).get_by_key(key)


async def subtree_filter(uow: UnitOfWork, actor: Actor, org: str | None) -> str | None:
    """The `?org=` filter of every list: the path of a visible organisation, whose subtree the
    list is narrowed to (NotFound when absent or invisible), or None for all the caller sees."""
    return (await access_org(uow, actor, org)).path if org else None


async def list_organisations(
    uow: UnitOfWork,
    actor: Actor,
    *,
    within: str | None = None,
    parent: str | None = None,
    roots_only: bool = False,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OrganisationView]:
    within_path = await subtree_filter(uow, actor, within)
    parent_id = (await access_org(uow, actor, parent)).id if parent else None
    rows = await uow.repo(Organisations).list_scoped(
        actor.scope,
        within=within_path,
        parent_id=parent_id,
        roots_only=roots_only,
        q=q,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    keys = await uow.repo(Organisations).keys_by_id([o.parent_id for o in rows])
    return page_of(rows, limit, lambda o: o.id, lambda o: _view(o, keys.get(o.parent_id or 0)))


async def get_organisation(uow: UnitOfWork, actor: Actor, key: str) -> OrganisationView:
    org = await access_org(uow, actor, key)
    return _view(org, await _parent_key(uow, org))


async def create_organisation(
    uow: UnitOfWork, actor: Actor, *, key: str, name: str, parent: str | None
) -> OrganisationView:
    parent_org = await access_org(uow, actor, parent, Action.WRITE) if parent else None
    if parent_org is None and not actor.scope.is_platform_admin:
        raise Forbidden("only platform admins create top-level organisations")
    if await uow.repo(Organisations).get_by_key(key) is not None:
        raise Conflict(f"organisation {key!r} already exists")
    org, _ = await apply_organisation(uow, actor, None, key=key, name=name, parent=parent_org)
    await uow.commit()
    return _view(org, parent)


async def update_organisation(
    uow: UnitOfWork,
    actor: Actor,
    key: str,
    *,
    name: str | None = None,
    parent: str | None = None,
    make_root: bool = False,
) -> OrganisationView:
    org = await access_org(uow, actor, key, Action.WRITE)
    move = parent is not None or make_root
    new_parent = await _check_move(uow, actor, org, parent) if move else None
    await apply_organisation(uow, actor, org, key=key, name=name, parent=new_parent, move=move)
    await uow.commit()
    return _view(org, await _parent_key(uow, org))


async def apply_organisation(
    uow: UnitOfWork,
    actor: Actor,
    org: Organisation | None,
    *,
    key: str,
    name: str | None,
    parent: Organisation | None,
    move: bool = True,
) -> tuple[Organisation, bool]:
    """The one write of an organisation, for the API and the import: create `key` under `parent`
    (`org` None), or rename `org` (a `name`) and, with `move`, re-hang it under `parent`. Checks
    the tree, not the actor's rights (the caller did); states the change as OrganisationChanged
    (`moved` when its place changed: every local list is due); no commit. Returns the row and
    whether anything changed."""
    if org is None:
        assert name is not None
        org = await _insert(uow, key, name, parent)
        snapshot = _snapshot(org, parent.key if parent else None)
        await created(uow, actor, "organisation", key, org.id, snapshot, event=OrganisationChanged)
        return org, True
    before = _snapshot(org, await _parent_key(uow, org))
    if name is not None:
        org.name = name
    after = dict(before, name=org.name)
    if move and org.parent_id != (parent.id if parent else None):
        tree.check_move(org.path, parent.path if parent else None)
        await _rehang(uow, org, parent)
        after["parent"] = parent.key if parent else None
    moved = partial(OrganisationChanged, moved=after["parent"] != before["parent"])
    return org, await updated(uow, actor, "organisation", key, org.id, before, after, event=moved)


async def _insert(uow: UnitOfWork, key: str, name: str, parent: Organisation | None) -> Organisation:
    org = Organisation(key=key, name=name, parent_id=parent.id if parent else None, path="/", depth=0)
    uow.repo(Organisations).add(org)
    await uow.flush()  # the id is part of the path
    org.path = tree.path_of(parent.path if parent else None, org.id)
    org.depth = tree.depth_of(org.path)
    await uow.flush()
    return org


async def _rehang(uow: UnitOfWork, org: Organisation, new_parent: Organisation | None) -> None:
    """Every descendant's path follows in one statement; the rows of the subtree already read
    (the import holds them all) are read again."""
    repo = uow.repo(Organisations)
    await uow.flush()  # the read below must not lose what is pending
    new_path = tree.path_of(new_parent.path if new_parent else None, org.id)
    await repo.rewrite_subtree_paths(org.path, new_path, tree.depth_of(new_path) - org.depth)
    org.parent_id = new_parent.id if new_parent else None
    org.path = new_path
    org.depth = tree.depth_of(new_path)
    await uow.flush()
    await repo.reread_subtree(new_path)


async def _check_move(
    uow: UnitOfWork, actor: Actor, org: Organisation, parent: str | None
) -> Organisation | None:
    """The new parent, when the actor may move `org` there (the tree is checked by the write)."""
    # Leaving the old parent needs rights there too: a subsidiary admin cannot detach itself.
    if org.parent_id is not None:
        old_parent_path = org.path.rsplit("/", 2)[0] + "/"
        require(actor.scope, ORGS, Action.WRITE, old_parent_path, "the current parent organisation")
    if parent is None:
        if not actor.scope.is_platform_admin:
            raise Forbidden("only platform admins create top-level organisations")
        return None
    try:
        return await access_org(uow, actor, parent, Action.WRITE)
    except NotFound:
        raise NotFound(f"parent organisation {parent!r} not found") from None


async def delete_organisation(uow: UnitOfWork, actor: Actor, key: str) -> None:
    org = await access_org(uow, actor, key, Action.WRITE)
    if org.parent_id is None and not actor.scope.is_platform_admin:
        raise Forbidden("only platform admins delete top-level organisations")
    if await uow.repo(Organisations).has_children(org.id):
        raise Conflict(f"organisation {key!r} still has child organisations; move or delete them first")
    before = _snapshot(org, await _parent_key(uow, org))
    await deleted(uow, actor, "organisation", key, org.parent_id, before, event=OrganisationChanged)
    await uow.repo(Organisations).delete(org)
    await uow.commit()


async def _parent_key(uow: UnitOfWork, org: Organisation) -> str | None:
    # By id: no query when the parent was read already (the import reads the whole forest).
    return (await org_by_id(uow, org.parent_id)).key if org.parent_id is not None else None
