"""Explicit internal grants over the API: a host shapes its own fleet's access to its own places
(docs/access-rules.md "Who a grant is for"). As soon as one names a place of a location, the
implicit internal grant is gone there and the explicit ones rule, also for the host's tokens they
do not name. Host side only, through the `grants` family (org_admin and facility_manager of the
host's subtree write and read); a partner never sees them. The rules of one entry and the checks
against the tree are those of partnership grants (services/access/partnerships.py) plus: the subject is
the host or below it, and each place's owner holds the subject (else the engine ignores the grant
there). Every write is audited under the host and marks the local lists it touches.

An internal grant is addressed as `HOST:KEY`, or by its id."""

from __future__ import annotations

from dataclasses import dataclass

from depotshare.domain.access.events import GrantChanged, GrantReshaping
from depotshare.domain.access.grant_terms import GrantIn, check_grant, grant_values
from depotshare.domain.access.grants import GrantStatus
from depotshare.domain.access.ownership import check_internal_subject
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput, NotFound, Problems
from depotshare.domain.common.keys import as_id
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.access.grant_shapes import (
    GrantPatch,
    GrantSpec,
    InternalGrantView,
    OrgTree,
    grant_places,
    grant_snapshot,
    grant_terms,
    merged_entry,
    scope_rows,
)
from depotshare.services.common.access import require
from depotshare.services.common.ownership import org_by_id, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.access.grants import Grants, InternalGrantFilter
from depotshare.store.access.models import Grant
from depotshare.store.access.partnerships import Partnerships
from depotshare.store.orgs.models import Organisation

GRANTS = Resource.GRANTS
ENTITY = "internal_grant"  # the audit log's entity


@dataclass(frozen=True)
class InternalGrantSpec:
    """A whole internal grant as the API takes it: the host, the import's grant entry, whose tokens."""

    host: str
    grant: GrantSpec


async def _views(uow: UnitOfWork, rows: list[Grant]) -> dict[int, InternalGrantView]:
    keys = await org_keys(uow, [g.host_org_id for g in rows] + [g.subject_org_id for g in rows])
    places = await uow.repo(Grants).places_of([g.id for g in rows])
    return {
        g.id: InternalGrantView(
            ref=f"{keys[g.host_org_id]}:{g.key}" if g.key is not None else str(g.id),
            id=g.id,
            key=g.key,
            host=keys[g.host_org_id],
            subject=keys.get(g.subject_org_id or 0),
            **grant_terms(g, places.get(g.id, [])),
        )
        for g in rows
    }


async def _view(uow: UnitOfWork, row: Grant) -> InternalGrantView:
    return (await _views(uow, [row]))[row.id]


def _snapshot(view: InternalGrantView) -> dict[str, object]:
    return grant_snapshot(view, {"host": view.host})


async def _access(uow: UnitOfWork, actor: Actor, ref: str, action: Action = Action.READ) -> Grant:
    """The only way to reach an internal grant: NotFound when absent or invisible; Forbidden to a
    write by a reader who may not write the host's grants."""
    host, sep, key = ref.partition(":")
    row = None
    if sep:
        row = await uow.repo(Grants).internal_scoped(actor.scope, host=host, key=key)
    elif (grant_id := as_id(ref)) is not None:
        row = await uow.repo(Grants).internal_scoped(actor.scope, id=grant_id)
    if row is None:
        raise NotFound(f"internal grant {ref!r} not found")
    if action is Action.WRITE:
        owner = await org_by_id(uow, row.host_org_id)
        require(actor.scope, GRANTS, Action.WRITE, owner.path, f"internal grant {ref!r}")
    return row


async def list_internal_grants(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    location: str | None = None,
    status: GrantStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[InternalGrantView]:
    prefix = await subtree_filter(uow, actor, org)
    where = InternalGrantFilter(prefix, location, status.value if status else None)
    rows = await uow.repo(Grants).internal(
        actor.scope, where, after_id=decode_cursor(cursor), limit=limit + 1
    )
    views = await _views(uow, rows[:limit])
    return page_of(rows, limit, lambda g: g.id, lambda g: views[g.id])


async def get_internal_grant(uow: UnitOfWork, actor: Actor, ref: str) -> InternalGrantView:
    return await _view(uow, await _access(uow, actor, ref))


async def _check(
    uow: UnitOfWork, spec: GrantSpec, host: Organisation
) -> tuple[GrantIn, int | None, list[tuple[int | None, int | None, int | None]]]:
    """The entry's own rules, the subject inside the host, the places the host's and each held by
    an owner of the subject. Returns (entry, subject id or None for the host, place rows)."""
    problems = Problems()
    entry = check_grant(spec.entry, "body", problems)
    subject = host
    if spec.subject is not None:
        found = await uow.repo(Partnerships).org_by_key(spec.subject)
        orgs = {host.key: host, **({found.key: found} if found else {})}
        check_internal_subject(host.key, spec.subject, OrgTree(orgs).within, "body.subject", problems)
        subject = found if found is not None else host
    places = await grant_places(uow, entry, host, problems, subject) if not problems.found else []
    problems.raise_if_any()
    return entry, subject.id if subject.id != host.id else None, places


async def _check_key(uow: UnitOfWork, host: Organisation, key: str | None, row_id: int | None) -> None:
    if key is not None and await uow.repo(Grants).internal_key_taken(host.id, key, row_id):
        raise Conflict(f"key: {host.key!r} already has an internal grant {key!r}")


async def create_internal_grant(uow: UnitOfWork, actor: Actor, spec: InternalGrantSpec) -> InternalGrantView:
    host = await target_org(uow, actor, spec.host, GRANTS)
    entry, subject_id, places = await _check(uow, spec.grant, host)
    await _check_key(uow, host, entry.key, None)
    row = Grant(partnership_id=None, host_org_id=host.id, subject_org_id=subject_id, **grant_values(entry))
    uow.repo(Grants).add(row)
    await uow.flush()
    uow.repo(Grants).add_all(scope_rows(row.id, places))
    await uow.flush()
    view = await _view(uow, row)
    await uow.emit(
        GrantChanged(
            actor=actor,
            entity=ENTITY,
            entity_id=row.id,
            action="create",
            org_id=host.id,
            after=_snapshot(view),
            grant_id=row.id,
        )
    )
    await uow.commit()
    return view


async def update_internal_grant(
    uow: UnitOfWork, actor: Actor, ref: str, patch: GrantPatch
) -> InternalGrantView:
    row = await _access(uow, actor, ref, Action.WRITE)
    host = await org_by_id(uow, row.host_org_id)
    before_view = await _view(uow, row)
    entry = merged_entry(before_view, patch)
    given = patch.given - {"subject"}
    subject = patch.subject if "subject" in patch.given else before_view.subject
    checked, subject_id, places = await _check(uow, GrantSpec(entry, subject), host)
    await _check_key(uow, host, checked.key, row.id)
    if "key" in given and checked.key is None and row.key is not None:
        raise InvalidInput("body.key", "a grant keeps its key once it has one")
    await uow.emit(GrantReshaping(grant_id=row.id))
    for column, value in {**grant_values(checked), "subject_org_id": subject_id}.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
    if given & {"locations", "stations", "evses"}:
        await uow.repo(Grants).delete_places(row.id)
        uow.repo(Grants).add_all(scope_rows(row.id, places))
    await uow.flush()
    await uow.repo(Grants).refresh(row)
    view = await _view(uow, row)
    before, after = _snapshot(before_view), _snapshot(view)
    if after != before:
        await uow.emit(
            GrantChanged(
                actor=actor,
                entity=ENTITY,
                entity_id=row.id,
                action="update",
                org_id=host.id,
                before=before,
                after=after,
                grant_id=row.id,
            )
        )
    await uow.commit()
    return view


async def delete_internal_grant(uow: UnitOfWork, actor: Actor, ref: str) -> None:
    row = await _access(uow, actor, ref, Action.WRITE)
    before = _snapshot(await _view(uow, row))
    await uow.emit(  # before its places go
        GrantChanged(
            actor=actor,
            entity=ENTITY,
            entity_id=row.id,
            action="delete",
            org_id=row.host_org_id,
            before=before,
            grant_id=row.id,
        )
    )
    await uow.repo(Grants).delete_places(row.id)
    await uow.repo(Grants).delete(row)
    await uow.commit()
