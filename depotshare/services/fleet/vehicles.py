"""Vehicles of a fleet: booked to a cost centre, optionally assigned to an employee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.ownership import in_lineage, org_by_id, reach, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import resolve_cost_centre
from depotshare.services.fleet.employees import resolve_employee
from depotshare.services.fleet.references import ensure_not_stranded, keep_reference
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.fleet.cost_centres import CostCentres
from depotshare.store.fleet.employees import Employees
from depotshare.store.fleet.models import Vehicle
from depotshare.store.fleet.vehicles import Vehicles
from depotshare.store.orgs.models import Organisation

VEHICLES = Resource.VEHICLES


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
class VehiclePatch:
    """A partial update: only the fields named in `given` change (None there clears a field)."""

    given: frozenset[str]
    org: str | None = None
    plate: str | None = None
    description: str | None = None
    cost_centre: str | None = None
    employee: str | None = None


async def _views(uow: UnitOfWork, rows: list[Vehicle]) -> dict[int, VehicleView]:
    orgs = await org_keys(uow, [v.org_id for v in rows])
    codes = await uow.repo(CostCentres).codes_by_id([v.cost_centre_id for v in rows])
    employees = await uow.repo(Employees).keys_by_id([v.employee_id for v in rows])
    return {
        v.id: VehicleView(
            v.key,
            orgs[v.org_id],
            v.plate,
            v.description,
            codes.get(v.cost_centre_id or 0),
            employees.get(v.employee_id or 0),
            v.created_at,
        )
        for v in rows
    }


async def _view(uow: UnitOfWork, vehicle: Vehicle) -> VehicleView:
    return (await _views(uow, [vehicle]))[vehicle.id]


def _snapshot(view: VehicleView) -> dict[str, object]:
    return {
        "key": view.key,
        "org": view.org,
        "plate": view.plate,
        "description": view.description,
        "cost_centre": view.cost_centre,
        "employee": view.employee,
    }


async def vehicle_keys(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Keys of vehicles by id, for the views of other capabilities (one query)."""
    return await uow.repo(Vehicles).keys_by_id(ids)


async def access_vehicle(uow: UnitOfWork, actor: Actor, key: str, action: Action = Action.READ) -> Vehicle:
    """The only way to reach a vehicle: NotFound when absent or invisible."""
    row = await uow.repo(Vehicles).get_scoped(actor.scope, key, Action.READ)
    return await reach(uow, actor, row, f"vehicle {key!r}", VEHICLES, action)


async def resolve_vehicle(
    uow: UnitOfWork, actor: Actor, key: str, org: Organisation, path: str = "vehicle"
) -> Vehicle:
    """The vehicle `key`, readable by the actor and of `org` or one of its ancestors."""
    vehicle = await uow.repo(Vehicles).get_scoped(actor.scope, key, Action.READ)
    if vehicle is None or not in_lineage(vehicle.org_id, org):
        raise InvalidInput(path, f"no vehicle {key!r} in organisation {org.key!r} or its parents")
    return vehicle


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
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(Vehicles).list_scoped(
        actor.scope,
        org_prefix=prefix,
        q=q,
        employee=employee,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    views = await _views(uow, rows[:limit])
    return page_of(rows, limit, lambda v: v.id, lambda v: views[v.id])


async def get_vehicle(uow: UnitOfWork, actor: Actor, key: str) -> VehicleView:
    return await _view(uow, await access_vehicle(uow, actor, key))


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
    cc = await resolve_cost_centre(uow, actor, cost_centre, owner) if cost_centre else None
    driver = await resolve_employee(uow, actor, employee, owner) if employee else None
    vehicle = Vehicle(
        org_id=owner.id,
        key=key,
        plate=plate,
        description=description,
        cost_centre_id=cc.id if cc else None,
        employee_id=driver.id if driver else None,
    )
    uow.repo(Vehicles).add(vehicle)
    await uow.flush()
    view = await _view(uow, vehicle)
    await uow.emit(
        Changed(
            actor=actor,
            entity="vehicle",
            entity_id=key,
            action="create",
            org_id=owner.id,
            after=_snapshot(view),
        )
    )
    await uow.commit()
    return view


async def update_vehicle(uow: UnitOfWork, actor: Actor, key: str, patch: VehiclePatch) -> VehicleView:
    vehicle = await access_vehicle(uow, actor, key, Action.WRITE)
    before = _snapshot(await _view(uow, vehicle))
    owner = await org_by_id(uow, vehicle.org_id)
    new_org = patch.org if "org" in patch.given else None
    moved = new_org is not None and new_org != owner.key
    if new_org is not None and moved:
        owner = await target_org(uow, actor, new_org, VEHICLES)
        await ensure_not_stranded(uow.repo(Vehicles), vehicle.id, owner, f"vehicle {key!r}")
        vehicle.org_id = owner.id
    if "plate" in patch.given and patch.plate is not None:
        vehicle.plate = patch.plate
    if "description" in patch.given:
        vehicle.description = patch.description
    if "cost_centre" in patch.given:
        code = patch.cost_centre
        vehicle.cost_centre_id = (await resolve_cost_centre(uow, actor, code, owner)).id if code else None
    elif moved:
        await keep_reference(uow.repo(CostCentres), vehicle.cost_centre_id, owner, "cost_centre")
    if "employee" in patch.given:
        emp = patch.employee
        vehicle.employee_id = (await resolve_employee(uow, actor, emp, owner)).id if emp else None
    elif moved:
        await keep_reference(uow.repo(Employees), vehicle.employee_id, owner, "employee")
    view = await _view(uow, vehicle)
    after = _snapshot(view)
    if after != before:
        await uow.emit(
            Changed(
                actor=actor,
                entity="vehicle",
                entity_id=key,
                action="update",
                org_id=owner.id,
                before=before,
                after=after,
            )
        )
    await uow.commit()
    return view


async def delete_vehicle(uow: UnitOfWork, actor: Actor, key: str) -> None:
    """Its tokens keep existing, assigned to no vehicle."""
    vehicle = await access_vehicle(uow, actor, key, Action.WRITE)
    before = _snapshot(await _view(uow, vehicle))
    detached = await uow.repo(Vehicles).referrers(vehicle.id)
    if detached:
        before["referenced_by"] = detached
    await uow.emit(
        Changed(
            actor=actor,
            entity="vehicle",
            entity_id=key,
            action="delete",
            org_id=vehicle.org_id,
            before=before,
        )
    )
    await uow.repo(Vehicles).delete(vehicle)
    await uow.commit()
