"""Vehicles of a fleet: booked to a cost centre, optionally assigned to an employee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.ownership import target_org
from depotshare.services.common.pagination import Page
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import COST_CENTRE_REF
from depotshare.services.fleet.employees import EMPLOYEE_REF
from depotshare.services.fleet.names import NameSource, StoredNames, named_view
from depotshare.services.fleet.references import Reference, assign, named
from depotshare.services.fleet.writes import (
    Applied,
    Columns,
    FleetKind,
    Patch,
    access,
    apply_write,
    delete_row,
    page,
    patched,
    place,
    resolve,
    view_of,
)
from depotshare.store.fleet.models import Vehicle
from depotshare.store.fleet.vehicles import Vehicles

VEHICLES = Resource.VEHICLES
_REFS = [COST_CENTRE_REF, EMPLOYEE_REF]


@dataclass(frozen=True)
class VehicleView:
    key: str
    org: str
    plate: str | None
    description: str | None
    cost_centre: str | None
    employee: str | None
    created_at: datetime


@dataclass(frozen=True)
class VehiclePatch(Patch):
    plate: str | None = None
    description: str | None = None
    employee: str | None = None


VEHICLE = FleetKind("vehicle", Vehicle, Vehicles, VEHICLES, lambda v: v.key, partial(named_view, VehicleView))


async def apply_vehicle(
    uow: UnitOfWork, actor: Actor, names: NameSource, row: Vehicle | None, columns: Columns
) -> Applied[Vehicle, VehicleView]:
    """The one write of a vehicle (REST and import): create it or set `columns`, audited; no commit."""
    return await apply_write(uow, actor, VEHICLE, names, row, columns)


async def vehicle_keys(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Keys of vehicles by id, for the views of other capabilities (one query)."""
    return await uow.repo(Vehicles).keys_by_id(ids)


async def access_vehicle(uow: UnitOfWork, actor: Actor, key: str, action: Action = Action.READ) -> Vehicle:
    """The only way to reach a vehicle: NotFound when absent or invisible."""
    return await access(uow, actor, VEHICLE, key, action)


# How tokens refer to a vehicle.
VEHICLE_REF = Reference("vehicle", "vehicle_id", partial(resolve, VEHICLE), Vehicles)


async def list_vehicles(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    employee: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[VehicleView]:
    return await page(uow, actor, VEHICLE, org, cursor, limit, q=q, employee=employee)


async def get_vehicle(uow: UnitOfWork, actor: Actor, key: str) -> VehicleView:
    return await view_of(uow, VEHICLE, await access_vehicle(uow, actor, key))


async def create_vehicle(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    org: str,
    plate: str,
    description: str | None = None,
    cost_centre: str | None = None,
    employee: str | None = None,
) -> VehicleView:
    owner = await target_org(uow, actor, org, VEHICLES)
    if await uow.repo(Vehicles).get_by_key(key) is not None:
        raise Conflict(f"key: a vehicle with key {key!r} already exists")
    columns: Columns = {"org_id": owner.id, "key": key, "plate": plate, "description": description}
    columns |= await assign(uow, actor, {"cost_centre": cost_centre, "employee": employee}, _REFS, owner)
    applied = await apply_vehicle(uow, actor, StoredNames(uow), None, columns)
    await uow.commit()
    return applied.view


async def update_vehicle(uow: UnitOfWork, actor: Actor, key: str, patch: VehiclePatch) -> VehicleView:
    vehicle = await access_vehicle(uow, actor, key, Action.WRITE)
    new_org = patch.org if "org" in patch.given else None
    placed = await place(uow, actor, vehicle, new_org, VEHICLES, uow.repo(Vehicles), f"vehicle {key!r}")
    columns: Columns = {"org_id": placed.owner.id}
    columns |= patched(patch, {"plate": "plate", "description": "description"}, required=frozenset({"plate"}))
    kept = vehicle if placed.moved else None
    columns |= await assign(uow, actor, named(patch, _REFS), _REFS, placed.owner, kept)
    applied = await apply_vehicle(uow, actor, StoredNames(uow), vehicle, columns)
    await uow.commit()
    return applied.view


async def delete_vehicle(uow: UnitOfWork, actor: Actor, key: str) -> None:
    """Its tokens keep existing, assigned to no vehicle."""
    vehicle = await access_vehicle(uow, actor, key, Action.WRITE)
    await delete_row(uow, actor, VEHICLE, vehicle, uow.repo(Vehicles))
    await uow.commit()
