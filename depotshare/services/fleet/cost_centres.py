"""Cost centres: per-organisation codes that employees, vehicles and tokens are booked to
(a holding's cost centre serves its subsidiaries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.ownership import org_by_id, reach, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.references import ensure_not_stranded
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.fleet.cost_centres import CostCentres
from depotshare.store.fleet.models import CostCentre
from depotshare.store.orgs.models import Organisation

COST_CENTRES = Resource.COST_CENTRES


@dataclass(frozen=True)
class CostCentreView:
    id: int
    org: str
    code: str
    name: str
    created_at: datetime


def _view(cc: CostCentre, org_key: str) -> CostCentreView:
    return CostCentreView(cc.id, org_key, cc.code, cc.name, cc.created_at)


def _snapshot(cc: CostCentre, org_key: str) -> dict[str, object]:
    return {"org": org_key, "code": cc.code, "name": cc.name}


async def resolve_cost_centre(
    uow: UnitOfWork, actor: Actor, code: str, org: Organisation, path: str = "cost_centre"
) -> CostCentre:
    """The cost centre `code` readable by the actor in `org` or its nearest ancestor."""
    lineage = tree.ids_on_path(org.path)
    matches = await uow.repo(CostCentres).find_visible(actor.scope, code, lineage)
    if not matches:
        raise InvalidInput(path, f"no cost centre {code!r} in organisation {org.key!r} or its parents")
    return max(matches, key=lambda cc: lineage.index(cc.org_id))


async def cost_centre_codes(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Codes of cost centres by id, for the views of other capabilities (one query)."""
    return await uow.repo(CostCentres).codes_by_id(ids)


async def access_cost_centre(
    uow: UnitOfWork, actor: Actor, cc_id: int, action: Action = Action.READ
) -> CostCentre:
    """The only way to reach a cost centre: NotFound when absent or invisible."""
    row = await uow.repo(CostCentres).get_scoped(actor.scope, cc_id, Action.READ)
    return await reach(uow, actor, row, f"cost centre {cc_id}", COST_CENTRES, action)


async def list_cost_centres(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CostCentreView]:
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(CostCentres).list_scoped(
        actor.scope, org_prefix=prefix, q=q, after_id=decode_cursor(cursor), limit=limit + 1
    )
    keys = await org_keys(uow, [cc.org_id for cc in rows])
    return page_of(rows, limit, lambda cc: cc.id, lambda cc: _view(cc, keys[cc.org_id]))


async def get_cost_centre(uow: UnitOfWork, actor: Actor, cc_id: int) -> CostCentreView:
    cc = await access_cost_centre(uow, actor, cc_id)
    return _view(cc, (await org_by_id(uow, cc.org_id)).key)


async def _check_code_free(uow: UnitOfWork, org: Organisation, code: str) -> None:
    if await uow.repo(CostCentres).get_in_org(org.id, code) is not None:
        raise Conflict(f"code: cost centre {code!r} already exists in organisation {org.key!r}")


async def create_cost_centre(
    uow: UnitOfWork, actor: Actor, *, org: str, code: str, name: str
) -> CostCentreView:
    owner = await target_org(uow, actor, org, COST_CENTRES)
    await _check_code_free(uow, owner, code)
    cc = CostCentre(org_id=owner.id, code=code, name=name)
    uow.repo(CostCentres).add(cc)
    await uow.flush()
    await uow.emit(
        Changed(
            actor=actor,
            entity="cost_centre",
            entity_id=cc.id,
            action="create",
            org_id=owner.id,
            after=_snapshot(cc, owner.key),
        )
    )
    await uow.commit()
    return _view(cc, owner.key)


async def update_cost_centre(
    uow: UnitOfWork,
    actor: Actor,
    cc_id: int,
    *,
    org: str | None = None,
    code: str | None = None,
    name: str | None = None,
) -> CostCentreView:
    cc = await access_cost_centre(uow, actor, cc_id, Action.WRITE)
    owner = await org_by_id(uow, cc.org_id)
    before = _snapshot(cc, owner.key)
    if org is not None and org != owner.key:
        owner = await target_org(uow, actor, org, COST_CENTRES)
        await ensure_not_stranded(uow.repo(CostCentres), cc.id, owner, f"cost centre {cc.code!r}")
    new_code = code if code is not None else cc.code
    if (owner.id, new_code) != (cc.org_id, cc.code):
        await _check_code_free(uow, owner, new_code)
    cc.org_id, cc.code = owner.id, new_code
    if name is not None:
        cc.name = name
    after = _snapshot(cc, owner.key)
    if after != before:
        await uow.emit(
            Changed(
                actor=actor,
                entity="cost_centre",
                entity_id=cc.id,
                action="update",
                org_id=owner.id,
                before=before,
                after=after,
            )
        )
    await uow.commit()
    return _view(cc, owner.key)


async def delete_cost_centre(uow: UnitOfWork, actor: Actor, cc_id: int) -> None:
    """Employees, vehicles and tokens booked to it keep existing, with no cost centre."""
    cc = await access_cost_centre(uow, actor, cc_id, Action.WRITE)
    owner = await org_by_id(uow, cc.org_id)
    before: dict[str, object] = _snapshot(cc, owner.key)
    detached = await uow.repo(CostCentres).referrers(cc.id)
    if detached:
        before["referenced_by"] = detached
    await uow.emit(
        Changed(
            actor=actor,
            entity="cost_centre",
            entity_id=cc.id,
            action="delete",
            org_id=owner.id,
            before=before,
        )
    )
    await uow.repo(CostCentres).delete(cc)
    await uow.commit()
