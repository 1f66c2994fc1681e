"""A partnership's access grants over the API: the host side writes them (org_admin of the host or
above, or a facility manager there), the partner side reads them; a grant is addressed by its key
within the partnership, or by its id when it has none. Every change emits GrantChanged (audit, local
lists)."""

from __future__ import annotations

from depotshare.domain.access.grant_terms import check_grant
from depotshare.domain.access.grants import GrantStatus
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, NotFound, Problems
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.access.grant_shapes import (
    GrantPatch,
    GrantSpec,
    GrantView,
    grant_places,
    grant_terms,
    require_host_write,
)
from depotshare.services.access.grant_writes import (
    CheckedGrant,
    GrantOwner,
    apply_grant,
    partnership_owner,
    patch_grant,
    remove_grant,
    view_snapshot,
)
from depotshare.services.access.partnerships import access_partnership, partnership_ref
from depotshare.services.common.ownership import org_by_id
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys
from depotshare.store.access.grants import Grants
from depotshare.store.access.models import Grant, Partnership
from depotshare.store.access.partnerships import Partnerships
from depotshare.store.orgs.models import Organisation

GRANTS = Resource.GRANTS


async def _grant_views(uow: UnitOfWork, partnership: Partnership, rows: list[Grant]) -> dict[int, GrantView]:
    keys = await org_keys(
        uow, [partnership.host_org_id, partnership.partner_org_id, *[g.subject_org_id for g in rows]]
    )
    places = await uow.repo(Grants).places_of([g.id for g in rows])
    return {
        g.id: GrantView(
            ref=g.key if g.key is not None else str(g.id),
            id=g.id,
            key=g.key,
            partnership=partnership_ref(partnership, keys),
            host=keys[partnership.host_org_id],
            partner=keys[partnership.partner_org_id],
            subject=keys.get(g.subject_org_id or 0),
            **grant_terms(g, places.get(g.id, [])),
        )
        for g in rows
    }


async def _grant_view(uow: UnitOfWork, partnership: Partnership, row: Grant) -> GrantView:
    return (await _grant_views(uow, partnership, [row]))[row.id]


def _owner(partnership: Partnership, ref: str) -> GrantOwner:
    return partnership_owner(partnership.id, partnership.host_org_id, ref)


async def _ref(uow: UnitOfWork, p: Partnership) -> str:
    return (
        p.key
        if p.key is not None
        else partnership_ref(p, await org_keys(uow, [p.host_org_id, p.partner_org_id]))
    )


async def _access_grant(
    uow: UnitOfWork, actor: Actor, ref: str, grant: str, action: Action = Action.READ
) -> tuple[Partnership, Grant]:
    partnership = await access_partnership(uow, actor, ref)
    row = await uow.repo(Grants).find_scoped(actor.scope, partnership.id, grant)
    if row is None:
        raise NotFound(f"grant {grant!r} of partnership {ref!r} not found")
    if action is Action.WRITE:
        await _require_grant_write(uow, actor, partnership, f"grant {grant!r}")
    return partnership, row


async def _require_grant_write(
    uow: UnitOfWork, actor: Actor, partnership: Partnership, what: str
) -> Organisation:
    return await require_host_write(uow, actor, partnership.host_org_id, GRANTS, what)


async def list_grants(
    uow: UnitOfWork,
    actor: Actor,
    ref: str,
    *,
    status: GrantStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[GrantView]:
    partnership = await access_partnership(uow, actor, ref)
    rows = await uow.repo(Grants).of_partnership(
        actor.scope,
        partnership.id,
        status=status.value if status else None,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    views = await _grant_views(uow, partnership, rows[:limit])
    return page_of(rows, limit, lambda g: g.id, lambda g: views[g.id])


async def get_grant(uow: UnitOfWork, actor: Actor, ref: str, grant: str) -> GrantView:
    partnership, row = await _access_grant(uow, actor, ref, grant)
    return await _grant_view(uow, partnership, row)


async def _check_grant(
    uow: UnitOfWork, spec: GrantSpec, partnership: Partnership, host: Organisation, row_id: int | None = None
) -> CheckedGrant:
    problems = Problems()
    entry = check_grant(spec.entry, "body", problems)
    subject_id = None
    if spec.subject is not None:
        partner = await org_by_id(uow, partnership.partner_org_id)
        subject = await uow.repo(Partnerships).org_by_key(spec.subject)
        if subject is None or not tree.is_within(subject.path, partner.path):
            problems.add(
                "body.subject", f"{spec.subject!r} is not {partner.key!r} or one of its organisations"
            )
        elif subject.id != partner.id:
            subject_id = subject.id
    places = await grant_places(uow, entry, host, problems) if not problems.found else []
    problems.raise_if_any()
    if entry.key is not None and await uow.repo(Grants).key_taken(partnership.id, entry.key, row_id):
        raise Conflict(f"key: the partnership already has a grant {entry.key!r}")
    return CheckedGrant(entry, subject_id, spec.subject if subject_id is not None else None, places)


async def create_grant(uow: UnitOfWork, actor: Actor, ref: str, spec: GrantSpec) -> GrantView:
    partnership = await access_partnership(uow, actor, ref)
    host = await _require_grant_write(uow, actor, partnership, f"grants of partnership {ref!r}")
    checked = await _check_grant(uow, spec, partnership, host)
    row, _ = await apply_grant(uow, actor, _owner(partnership, await _ref(uow, partnership)), checked)
    view = await _grant_view(uow, partnership, row)
    await uow.commit()
    return view


async def update_grant(uow: UnitOfWork, actor: Actor, ref: str, grant: str, patch: GrantPatch) -> GrantView:
    partnership, row = await _access_grant(uow, actor, ref, grant, Action.WRITE)
    host = await org_by_id(uow, partnership.host_org_id)
    before = await _grant_view(uow, partnership, row)

    async def check(spec: GrantSpec) -> CheckedGrant:
        return await _check_grant(uow, spec, partnership, host, row.id)

    await patch_grant(uow, actor, _owner(partnership, before.partnership), row, before, patch, check)
    view = await _grant_view(uow, partnership, row)
    await uow.commit()
    return view


async def delete_grant(uow: UnitOfWork, actor: Actor, ref: str, grant: str) -> None:
    partnership, row = await _access_grant(uow, actor, ref, grant, Action.WRITE)
    view = await _grant_view(uow, partnership, row)
    owner = _owner(partnership, view.partnership)
    await remove_grant(uow, actor, owner, row, view_snapshot(owner, view))
    await uow.commit()
