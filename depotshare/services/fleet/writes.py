"""The building blocks the fleet's four kinds of object (cost centres, employees, vehicles,
tokens) share: a page of views, a move to another organisation, the one write path
(`apply_write`: write the row, state the change with the kind's one snapshot shape, no commit)
that the REST use cases and the import both take, and a deletion that says what it detaches."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common import changes
from depotshare.services.common.changes import Event
from depotshare.services.common.ownership import org_by_id, reach, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.names import FleetNames, NameSource, read_names
from depotshare.services.fleet.references import Referenced, ensure_not_stranded, in_reach
from depotshare.services.orgs.organisations import subtree_filter
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation

Row = TypeVar("Row", CostCentre, Employee, Vehicle, Token)
View = TypeVar("View")
# Column -> value, for the columns a write sets (references already resolved to ids).
Columns = dict[str, Any]


@dataclass(frozen=True)
class FleetKind(Generic[Row, View]):
    """What the shared blocks need to know of one kind of fleet object."""

    entity: str  # as the audit log names it
    model: type[Row]
    repo: type[Any]  # its repository: get_scoped(scope, key, action), add, delete
    resource: Resource
    key: Callable[[Row], str | int]  # the key the audit log files it under
    view: Callable[[Row, FleetNames], View]
    hidden: frozenset[str] = frozenset({"created_at"})  # view fields its audit pictures leave out

    @property
    def what(self) -> str:
        return self.entity.replace("_", " ")

    def snapshot(self, view: View) -> dict[str, object]:
        """The one shape of its audit pictures: its view as JSON, less the hidden fields."""
        return {name: _plain(value) for name, value in vars(view).items() if name not in self.hidden}


def _plain(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Patch:
    """A partial update: only the fields named in `given` change (None there clears a field)."""

    given: frozenset[str]
    org: str | None = None
    cost_centre: str | None = None


async def access(
    uow: UnitOfWork, actor: Actor, kind: FleetKind[Row, View], key: str | int, action: Action
) -> Row:
    """The only way to reach a fleet object by its key: NotFound when absent or invisible, Forbidden
    when visible but not writable."""
    row: Row | None = await uow.repo(kind.repo).get_scoped(actor.scope, key, Action.READ)
    return await reach(uow, actor, row, f"{kind.what} {key!r}", kind.resource, action)


async def resolve(
    kind: FleetKind[Row, View], uow: UnitOfWork, actor: Actor, key: str, org: Organisation, path: str = ""
) -> Row:
    """The object `key` a reference names: readable by the actor, of `org` or one of its ancestors
    (`partial(resolve, KIND)` is how a Reference resolves one)."""
    row: Row | None = await uow.repo(kind.repo).get_scoped(actor.scope, key, Action.READ)
    return in_reach(row, kind.what, key, org, path or kind.entity)


@dataclass(frozen=True)
class Applied(Generic[Row, View]):
    row: Row
    view: View
    created: bool
    changed: bool  # a column changed (an update that sets what is there changes nothing)


async def apply_write(
    uow: UnitOfWork,
    actor: Actor,
    kind: FleetKind[Row, View],
    names: NameSource,
    row: Row | None,
    columns: Columns,
    event: Event = Changed,
) -> Applied[Row, View]:
    """Create the row from `columns` (row None) or set them on it, and state the change. The
    caller has checked and resolved the values; it commits."""
    if row is None:
        row = kind.model(**columns, created_at=uow.clock.now())  # the use case's clock, not the database's
        uow.repo(kind.repo).add(row)
        await uow.flush()
        view = kind.view(row, await names.names_for([row]))
        await changes.created(
            uow, actor, kind.entity, kind.key(row), row.org_id, kind.snapshot(view), event=event
        )
        return Applied(row, view, created=True, changed=True)
    before = kind.snapshot(kind.view(row, await names.names_for([row])))
    changed = {column: value for column, value in columns.items() if getattr(row, column) != value}
    for column, value in changed.items():
        setattr(row, column, value)
    view = kind.view(row, await names.names_for([row]))
    after = kind.snapshot(view)
    await changes.updated(uow, actor, kind.entity, kind.key(row), row.org_id, before, after, event=event)
    return Applied(row, view, created=False, changed=bool(changed))


async def delete_row(
    uow: UnitOfWork,
    actor: Actor,
    kind: FleetKind[Row, View],
    row: Row,
    referenced: Referenced | None = None,
    event: Event = Changed,
) -> None:
    """State the deletion, with what referred to the row (those references are cleared), and
    delete it; the caller commits."""
    before = kind.snapshot(kind.view(row, await read_names(uow, [row])))
    detached = await referenced.referrers(row.id) if referenced is not None else None
    if detached:
        before["referenced_by"] = detached
    await changes.deleted(uow, actor, kind.entity, kind.key(row), row.org_id, before, event=event)
    await uow.repo(kind.repo).delete(row)


async def view_of(uow: UnitOfWork, kind: FleetKind[Row, View], row: Row) -> View:
    return kind.view(row, await read_names(uow, [row]))


async def page(
    uow: UnitOfWork,
    actor: Actor,
    kind: FleetKind[Row, View],
    org: str | None,
    cursor: str | None,
    limit: int,
    **filters: str | None,
) -> Page[View]:
    """A page of the kind's scoped list (its repository's `list_scoped`, narrowed by `filters`
    and to the subtree `org`); the names the rows refer to are read once for the page."""
    prefix = await subtree_filter(uow, actor, org)
    repo = uow.repo(kind.repo)
    found: list[Row] = await repo.list_scoped(
        actor.scope, org_prefix=prefix, after_id=decode_cursor(cursor), limit=limit + 1, **filters
    )
    names = await read_names(uow, found[:limit])
    return page_of(found, limit, lambda r: r.id, lambda r: kind.view(r, names))


@dataclass(frozen=True)
class Placement:
    """Where an object lives after a write: its organisation then, and whether it moves there."""

    owner: Organisation
    was: Organisation

    @property
    def moved(self) -> bool:
        return self.owner.id != self.was.id


async def place(
    uow: UnitOfWork,
    actor: Actor,
    row: CostCentre | Employee | Vehicle | Token,
    org: str | None,
    resource: Resource,
    referenced: Referenced | None = None,
    what: str = "",
) -> Placement:
    """The organisation `row` belongs to after a patch naming `org` (None: it stays). A move needs
    write rights there, and must strand nothing that refers to the row (`referenced`)."""
    was = await org_by_id(uow, row.org_id)
    if org is None or org == was.key:
        return Placement(was, was)
    owner = await target_org(uow, actor, org, resource)
    if referenced is not None:
        await ensure_not_stranded(referenced, row.id, owner, what)
    return Placement(owner, was)


def patched(patch: Any, fields: Mapping[str, str], required: frozenset[str] = frozenset()) -> Columns:
    """The columns of the plain fields a patch gives (field -> column); a required field given
    as None is left as it is."""
    return {
        column: getattr(patch, field)
        for field, column in fields.items()
        if field in patch.given and not (field in required and getattr(patch, field) is None)
    }
