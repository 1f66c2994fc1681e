"""Employees: the people a fleet's cards and vehicles belong to, optionally linked to the login
a driver uses to see its own cards and sessions."""

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
from depotshare.services.fleet.cost_centres import COST_CENTRE_REF
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
from depotshare.store.fleet.employees import Employees
from depotshare.store.fleet.models import Employee
from depotshare.store.orgs.models import Organisation, User

EMPLOYEES = Resource.EMPLOYEES
_REFS = [COST_CENTRE_REF]  # the login is a reference of its own kind (_login)


@dataclass(frozen=True)
class EmployeeView:
    key: str
    org: str
    name: str
    email: str | None
    cost_centre: str | None
    user: str | None  # email of the linked login
    created_at: datetime


@dataclass(frozen=True)
class EmployeePatch(Patch):
    name: str | None = None
    email: str | None = None
    user: str | None = None


EMPLOYEE = FleetKind(
    "employee", Employee, Employees, EMPLOYEES, lambda e: e.key, partial(named_view, EmployeeView)
)


async def apply_employee(
    uow: UnitOfWork, actor: Actor, names: NameSource, row: Employee | None, columns: Columns
) -> Applied[Employee, EmployeeView]:
    """The one write of an employee (REST and import): create it or set `columns`, audited; no commit."""
    return await apply_write(uow, actor, EMPLOYEE, names, row, columns)


async def employee_keys(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Keys of employees by id, for the views of other capabilities (one query)."""
    return await uow.repo(Employees).keys_by_id(ids)


async def access_employee(uow: UnitOfWork, actor: Actor, key: str, action: Action = Action.READ) -> Employee:
    """The only way to reach an employee: NotFound when absent or invisible."""
    return await access(uow, actor, EMPLOYEE, key, action)


# How vehicles and tokens refer to an employee.
EMPLOYEE_REF = Reference("employee", "employee_id", partial(resolve, EMPLOYEE), Employees)


async def _login(uow: UnitOfWork, email: str, org: Organisation, path: str = "user") -> User:
    user = await uow.repo(Employees).login_with_role_in(email, tree.ids_on_path(org.path))
    if user is None:
        raise InvalidInput(path, f"no login {email!r} with a role in organisation {org.key!r} or its parents")
    return user


async def list_employees(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    q: str | None = None,
    cost_centre: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[EmployeeView]:
    return await page(uow, actor, EMPLOYEE, org, cursor, limit, q=q, cost_centre=cost_centre)


async def get_employee(uow: UnitOfWork, actor: Actor, key: str) -> EmployeeView:
    return await view_of(uow, EMPLOYEE, await access_employee(uow, actor, key))


async def create_employee(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    org: str,
    name: str,
    email: str | None = None,
    cost_centre: str | None = None,
    user: str | None = None,
) -> EmployeeView:
    owner = await target_org(uow, actor, org, EMPLOYEES)
    if await uow.repo(Employees).get_by_key(key) is not None:
        raise Conflict(f"key: an employee with key {key!r} already exists")
    columns: Columns = {"org_id": owner.id, "key": key, "name": name, "email": email}
    columns |= await assign(uow, actor, {"cost_centre": cost_centre}, _REFS, owner)
    columns["user_id"] = (await _login(uow, user, owner)).id if user else None
    applied = await apply_employee(uow, actor, StoredNames(uow), None, columns)
    await uow.commit()
    return applied.view


async def update_employee(uow: UnitOfWork, actor: Actor, key: str, patch: EmployeePatch) -> EmployeeView:
    employee = await access_employee(uow, actor, key, Action.WRITE)
    new_org = patch.org if "org" in patch.given else None
    repo = uow.repo(Employees)
    placed = await place(uow, actor, employee, new_org, EMPLOYEES, repo, f"employee {key!r}")
    columns: Columns = {"org_id": placed.owner.id}
    columns |= patched(patch, {"name": "name", "email": "email"}, required=frozenset({"name"}))
    kept = employee if placed.moved else None
    columns |= await assign(uow, actor, named(patch, _REFS), _REFS, placed.owner, kept)
    if "user" in patch.given:
        columns["user_id"] = (await _login(uow, patch.user, placed.owner)).id if patch.user else None
    elif placed.moved and employee.user_id is not None:
        email = (await repo.emails_by_user_id([employee.user_id]))[employee.user_id]
        await _login(uow, email, placed.owner)
    applied = await apply_employee(uow, actor, StoredNames(uow), employee, columns)
    await uow.commit()
    return applied.view


async def delete_employee(uow: UnitOfWork, actor: Actor, key: str) -> None:
    """Its vehicles and tokens keep existing, assigned to nobody."""
    employee = await access_employee(uow, actor, key, Action.WRITE)
    await delete_row(uow, actor, EMPLOYEE, employee, uow.repo(Employees))
    await uow.commit()
