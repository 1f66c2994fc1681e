"""Cost centres: per-organisation codes that employees, vehicles and tokens are booked to
(a holding's cost centre serves its subsidiaries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.ownership import target_org
from depotshare.services.common.pagination import Page
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.names import NameSource, StoredNames, named_view
from depotshare.services.fleet.references import Reference
from depotshare.services.fleet.writes import (
    Applied,
    Columns,
    FleetKind,
    access,
    apply_write,
    delete_row,
    page,
    place,
    view_of,
)
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


COST_CENTRE = FleetKind(
    "cost_centre",
    CostCentre,
    CostCentres,
    COST_CENTRES,
    lambda cc: cc.id,
    partial(named_view, CostCentreView),
    frozenset({"id", "created_at"}),
)


async def apply_cost_centre(
    uow: UnitOfWork, actor: Actor, names: NameSource, row: CostCentre | None, columns: Columns
) -> Applied[CostCentre, CostCentreView]:
    """The one write of a cost centre (REST and import): create it or set `columns`, audited; no
    commit. The caller has checked that the code is free in its organisation."""
    return await apply_write(uow, actor, COST_CENTRE, names, row, columns)


async def resolve_cost_centre(
    uow: UnitOfWork, actor: Actor, code: str, org: Organisation, path: str = "cost_centre"
) -> CostCentre:
    """The cost centre `code` readable by the actor in `org` or its nearest ancestor."""
    lineage = tree.ids_on_path(org.path)
    matches = await uow.repo(CostCentres).find_visible(actor.scope, code, lineage)
    if not matches:
        raise InvalidInput(path, f"no cost centre {code!r} in organisation {org.key!r} or its parents")
    return max(matches, key=lambda cc: lineage.index(cc.org_id))


# How employees, vehicles and tokens refer to a cost centre.
COST_CENTRE_REF = Reference("cost_centre", "cost_centre_id", resolve_cost_centre, CostCentres)


async def cost_centre_codes(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Codes of cost centres by id, for the views of other capabilities (one query)."""
    return await uow.repo(CostCentres).codes_by_id(ids)


async def access_cost_centre(
    uow: UnitOfWork, actor: Actor, cc_id: int, action: Action = Action.READ
) -> CostCentre:
    """The only way to reach a cost centre: NotFound when absent or invisible."""
    return await access(uow, actor, COST_CENTRE, cc_id, action)


async def list_cost_centres(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CostCentreView]:
    return await page(uow, actor, COST_CENTRE, org, cursor, limit, q=q)


async def get_cost_centre(uow: UnitOfWork, actor: Actor, cc_id: int) -> CostCentreView:
    return await view_of(uow, COST_CENTRE, await access_cost_centre(uow, actor, cc_id))


async def _check_code_free(uow: UnitOfWork, org: Organisation, code: str) -> None:
    if await uow.repo(CostCentres).get_in_org(org.id, code) is not None:
        raise Conflict(f"code: cost centre {code!r} already exists in organisation {org.key!r}")


async def create_cost_centre(
    uow: UnitOfWork, actor: Actor, *, org: str, code: str, name: str
) -> CostCentreView:
    owner = await target_org(uow, actor, org, COST_CENTRES)
    await _check_code_free(uow, owner, code)
    columns = {"org_id": owner.id, "code": code, "name": name}
    applied = await apply_cost_centre(uow, actor, StoredNames(uow), None, columns)
    await uow.commit()
    return applied.view


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
    repo = uow.repo(CostCentres)
    placed = await place(uow, actor, cc, org, COST_CENTRES, repo, f"cost centre {cc.code!r}")
    new_code = code if code is not None else cc.code
    if (placed.owner.id, new_code) != (cc.org_id, cc.code):
        await _check_code_free(uow, placed.owner, new_code)
    columns = {"org_id": placed.owner.id, "code": new_code, "name": name if name is not None else cc.name}
    applied = await apply_cost_centre(uow, actor, StoredNames(uow), cc, columns)
    await uow.commit()
    return applied.view


async def delete_cost_centre(uow: UnitOfWork, actor: Actor, cc_id: int) -> None:
    """Employees, vehicles and tokens booked to it keep existing, with no cost centre."""
    cc = await access_cost_centre(uow, actor, cc_id, Action.WRITE)
    await delete_row(uow, actor, COST_CENTRE, cc, uow.repo(CostCentres))
    await uow.commit()
