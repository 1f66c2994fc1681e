"""The one write path of a grant, partner or internal: `apply_grant` writes a checked grant with its
places and states the change as a GrantChanged (audit; the local lists of the places it covered and
covers), `remove_grant` deletes one. The API use cases (grants.py, internal_grants.py) check an
entry against the store and commit; the import (services/setup/importer_partners.py) checks a file
against its catalogue; both write, audit and mark through here, with one snapshot shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from depotshare.domain.access.events import GrantChanged, GrantReshaping
from depotshare.domain.access.grant_terms import GrantIn, grant_values, scope_of
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput
from depotshare.services.access.grant_shapes import (
    SCOPE_FIELDS,
    AnyGrantView,
    GrantPatch,
    GrantSpec,
    grant_snapshot,
    grant_terms,
    merged_entry,
    scope_rows,
)
from depotshare.services.common.changes import Snapshot, created, deleted, updated
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.access.grants import Grants, Place
from depotshare.store.access.models import Grant, GrantScope

PlaceRow = tuple[int | None, int | None, int | None]  # (location id, station id, EVSE number)


@dataclass(frozen=True)
class GrantOwner:
    """Whose a grant is: a partnership's (audited as `grant`) or a host's own (`internal_grant`),
    and how its snapshot names that (`{"partnership": REF}` or `{"host": KEY}`)."""

    entity: str
    partnership_id: int | None
    host_org_id: int
    head: dict[str, Any]


def partnership_owner(partnership_id: int, host_org_id: int, ref: str) -> GrantOwner:
    return GrantOwner("grant", partnership_id, host_org_id, {"partnership": ref})


def internal_owner(host_org_id: int, host_key: str) -> GrantOwner:
    return GrantOwner("internal_grant", None, host_org_id, {"host": host_key})


@dataclass(frozen=True)
class CheckedGrant:
    """A grant entry that passed its checks: its subject (None: the partner's or host's whole
    fleet) and its places resolved to rows in the entry's order."""

    entry: GrantIn
    subject_id: int | None
    subject: str | None  # the subject's key, as the snapshot names it
    places: list[PlaceRow]


def places_named(entry: GrantIn) -> list[Place]:
    """The places an entry names, as the stored grant will list them."""
    kind, places = scope_of(entry)
    return [Place(kind, name, evse) for name, evse in places]


def snapshot(owner: GrantOwner, row: Grant, places: list[Place], subject: str | None) -> dict[str, Any]:
    """A grant as the audit log keeps it, the same for the API and the import."""
    return grant_snapshot(row.key, subject, grant_terms(row, places), owner.head)


def view_snapshot(owner: GrantOwner, view: AnyGrantView) -> dict[str, Any]:
    """The same snapshot from a grant's view (what the API read before a change)."""
    return grant_snapshot(view.key, view.subject, vars(view), owner.head)


async def apply_grant(
    uow: UnitOfWork,
    actor: Actor,
    owner: GrantOwner,
    checked: CheckedGrant,
    row: Grant | None = None,
    *,
    before: Snapshot | None = None,
    keep_subject: bool = False,
    replace_places: bool = True,
) -> tuple[Grant, list[GrantScope] | None]:
    """Create (`row` None) or update a grant to `checked`; `before` is the stored grant's snapshot.
    `keep_subject`: the writer does not name the subject (the import's partnership grants).
    Returns the row and its new places when they were written. No commit."""
    grants = uow.repo(Grants)
    columns: dict[str, Any] = dict(grant_values(checked.entry))
    if not keep_subject:
        columns["subject_org_id"] = checked.subject_id
    if row is None:
        row = Grant(partnership_id=owner.partnership_id, host_org_id=owner.host_org_id, **columns)
        grants.add(row)
        await uow.flush()
    else:
        await uow.emit(GrantReshaping(grant_id=row.id))  # the places it covers until now
        for column, value in columns.items():
            if getattr(row, column) != value:
                setattr(row, column, value)
        if replace_places:
            await grants.delete_places(row.id)
    new_places = None
    if replace_places:
        new_places = scope_rows(row.id, checked.places)
        grants.add_all(new_places)
    await uow.flush()
    event = partial(GrantChanged, grant_id=row.id)
    after = snapshot(owner, row, places_named(checked.entry), checked.subject)
    if before is None:
        await created(uow, actor, owner.entity, row.id, owner.host_org_id, after, event=event)
    else:
        await updated(uow, actor, owner.entity, row.id, owner.host_org_id, before, after, event=event)
    return row, new_places


async def remove_grant(
    uow: UnitOfWork, actor: Actor, owner: GrantOwner, row: Grant, before: Snapshot
) -> None:
    """Delete a grant with its places; the change is stated first, while its places still name
    the stations whose lists must drop it. No commit."""
    event = partial(GrantChanged, grant_id=row.id)
    await deleted(uow, actor, owner.entity, row.id, owner.host_org_id, before, event=event)
    grants = uow.repo(Grants)
    await grants.delete_places(row.id)
    await grants.delete(row)


async def patch_grant(
    uow: UnitOfWork,
    actor: Actor,
    owner: GrantOwner,
    row: Grant,
    before: AnyGrantView,
    patch: GrantPatch,
    check: Callable[[GrantSpec], Awaitable[CheckedGrant]],
) -> None:
    """A partial update through the API: the stored grant with the patch over it, checked by the
    use case's `check` (its subject and place rules, its key's uniqueness), then applied. No commit."""
    subject = patch.subject if "subject" in patch.given else before.subject
    checked = await check(GrantSpec(merged_entry(before, patch), subject))
    given = patch.given - {"subject"}
    if "key" in given and checked.entry.key is None and row.key is not None:
        raise InvalidInput("body.key", "a grant keeps its key once it has one")
    replace_places = bool(given & set(SCOPE_FIELDS))
    before_snapshot = view_snapshot(owner, before)
    await apply_grant(uow, actor, owner, checked, row, before=before_snapshot, replace_places=replace_places)
    await uow.repo(Grants).refresh(row)  # updated_at, as the database set it
