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

from depotshare.domain.access.grant_terms import check_grant
from depotshare.domain.access.grants import GrantStatus
from depotshare.domain.access.ownership import check_internal_subject
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, Problems
from depotshare.domain.common.keys import as_id
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.access import grant_writes as writes
from depotshare.services.access.grant_shapes import (
    GrantPatch,
    GrantSpec,
    InternalGrantView,
    OrgTree,
    grant_places,
    grant_terms,
    require_host_write,
)
from depotshare.services.access.grant_writes import CheckedGrant, GrantOwner
from depotshare.services.common.access import found
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


def _owner(host: Organisation) -> GrantOwner:
    return writes.internal_owner(host.id, host.key)


async def _access(uow: UnitOfWork, actor: Actor, ref: str, action: Action = Action.READ) -> Grant:
    """The only way to reach an internal grant: NotFound when absent or invisible; Forbidden to a
    write by a reader who may not write the host's grants."""
    host, sep, key = ref.partition(":")
    row = None
    if sep:
        row = await uow.repo(Grants).internal_scoped(actor.scope, host=host, key=key)
    elif (grant_id := as_id(ref)) is not None:
        row = await uow.repo(Grants).internal_scoped(actor.scope, id=grant_id)
    row = found(row, f"internal grant {ref!r}")
    if action is Action.WRITE:
        await require_host_write(uow, actor, row.host_org_id, GRANTS, f"internal grant {ref!r}")
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
    uow: UnitOfWork, spec: GrantSpec, host: Organisation, row_id: int | None = None
) -> CheckedGrant:
    """The entry's own rules, the subject inside the host, the places the host's and each held by
    an owner of the subject, the key free among the host's internal grants."""
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
    if entry.key is not None and await uow.repo(Grants).internal_key_taken(host.id, entry.key, row_id):
        raise Conflict(f"key: {host.key!r} already has an internal grant {entry.key!r}")
    if subject.id == host.id:
        return CheckedGrant(entry, None, None, places)
    return CheckedGrant(entry, subject.id, subject.key, places)


async def create_internal_grant(uow: UnitOfWork, actor: Actor, spec: InternalGrantSpec) -> InternalGrantView:
    host = await target_org(uow, actor, spec.host, GRANTS)
    checked = await _check(uow, spec.grant, host)
    row, _ = await writes.apply_grant(uow, actor, _owner(host), checked)
    view = await _view(uow, row)
    await uow.commit()
    return view


async def update_internal_grant(
    uow: UnitOfWork, actor: Actor, ref: str, patch: GrantPatch
) -> InternalGrantView:
    row = await _access(uow, actor, ref, Action.WRITE)
    host = await org_by_id(uow, row.host_org_id)
    before = await _view(uow, row)

    async def check(spec: GrantSpec) -> CheckedGrant:
        return await _check(uow, spec, host, row.id)

    await writes.patch_grant(uow, actor, _owner(host), row, before, patch, check)
    view = await _view(uow, row)
    await uow.commit()
    return view


async def delete_internal_grant(uow: UnitOfWork, actor: Actor, ref: str) -> None:
    row = await _access(uow, actor, ref, Action.WRITE)
    view = await _view(uow, row)
    owner = writes.internal_owner(row.host_org_id, view.host)
    await writes.remove_grant(uow, actor, owner, row, writes.view_snapshot(owner, view))
    await uow.commit()
