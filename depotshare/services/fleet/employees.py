"""Employees: the people a fleet's cards and vehicles belong to, optionally linked to the login
a driver uses to see its own cards and sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.services.common.ownership import in_lineage, org_by_id, reach, target_org
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import resolve_cost_centre
from depotshare.services.fleet.references import ensure_not_stranded, keep_reference
from depotshare.services.orgs.organisations import org_keys, subtree_filter
from depotshare.store.fleet.cost_centres import CostCentres
from depotshare.store.fleet.employees import Employees
from depotshare.store.fleet.models import Employee
from depotshare.store.orgs.models import Organisation, User

EMPLOYEES = Resource.EMPLOYEES


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
class EmployeePatch:
    """A partial update: only the fields named in `given` change (None there clears a field)."""

    given: frozenset[str]
    org: str | None = None
    name: str | None = None
    email: str | None = None
    cost_centre: str | None = None
    user: str | None = None


async def _views(uow: UnitOfWork, rows: list[Employee]) -> dict[int, EmployeeView]:
    orgs = await org_keys(uow, [e.org_id for e in rows])
    codes = await uow.repo(CostCentres).codes_by_id([e.cost_centre_id for e in rows])
    emails = await uow.repo(Employees).emails_by_user_id([e.user_id for e in rows])
    return {
        e.id: EmployeeView(
            e.key,
            orgs[e.org_id],
            e.name,
            e.email,
            codes.get(e.cost_centre_id or 0),
            emails.get(e.user_id or 0),
            e.created_at,
        )
        for e in rows
    }


async def _view(uow: UnitOfWork, employee: Employee) -> EmployeeView:
    return (await _views(uow, [employee]))[employee.id]


def _snapshot(view: EmployeeView) -> dict[str, object]:
    return {
        "key": view.key,
        "org": view.org,
        "name": view.name,
        "email": view.email,
        "cost_centre": view.cost_centre,
        "user": view.user,
    }


async def employee_keys(uow: UnitOfWork, ids: Sequence[int | None]) -> dict[int, str]:
    """Keys of employees by id, for the views of other capabilities (one query)."""
    return await uow.repo(Employees).keys_by_id(ids)


async def access_employee(uow: UnitOfWork, actor: Actor, key: str, action: Action = Action.READ) -> Employee:
    """The only way to reach an employee: NotFound when absent or invisible."""
    row = await uow.repo(Employees).get_scoped(actor.scope, key, Action.READ)
    return await reach(uow, actor, row, f"employee {key!r}", EMPLOYEES, action)


async def resolve_employee(
    uow: UnitOfWork, actor: Actor, key: str, org: Organisation, path: str = "employee"
) -> Employee:
    """The employee `key`, readable by the actor and of `org` or one of its ancestors."""
    employee = await uow.repo(Employees).get_scoped(actor.scope, key, Action.READ)
    if employee is None or not in_lineage(employee.org_id, org):
        raise InvalidInput(path, f"no employee {key!r} in organisation {org.key!r} or its parents")
    return employee


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
    prefix = await subtree_filter(uow, actor, org)
    rows = await uow.repo(Employees).list_scoped(
        actor.scope,
        org_prefix=prefix,
        q=q,
        cost_centre=cost_centre,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    views = await _views(uow, rows[:limit])
    return page_of(rows, limit, lambda e: e.id, lambda e: views[e.id])


async def get_employee(uow: UnitOfWork, actor: Actor, key: str) -> EmployeeView:
    return await _view(uow, await access_employee(uow, actor, key))


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
    cc = await resolve_cost_centre(uow, actor, cost_centre, owner) if cost_centre else None
    login = await _login(uow, user, owner) if user else None
    employee = Employee(
        org_id=owner.id,
        key=key,
        name=name,
        email=email,
        cost_centre_id=cc.id if cc else None,
        user_id=login.id if login else None,
    )
    uow.repo(Employees).add(employee)
    await uow.flush()
    view = await _view(uow, employee)
    await uow.emit(
        Changed(
            actor=actor,
            entity="employee",
            entity_id=key,
            action="create",
            org_id=owner.id,
            after=_snapshot(view),
        )
    )
    await uow.commit()
    return view


async def update_employee(uow: UnitOfWork, actor: Actor, key: str, patch: EmployeePatch) -> EmployeeView:
    employee = await access_employee(uow, actor, key, Action.WRITE)
    before = _snapshot(await _view(uow, employee))
    owner = await org_by_id(uow, employee.org_id)
    new_org = patch.org if "org" in patch.given else None
    moved = new_org is not None and new_org != owner.key
    if new_org is not None and moved:
        owner = await target_org(uow, actor, new_org, EMPLOYEES)
        await ensure_not_stranded(uow.repo(Employees), employee.id, owner, f"employee {key!r}")
        employee.org_id = owner.id
    if "name" in patch.given and patch.name is not None:
        employee.name = patch.name
    if "email" in patch.given:
        employee.email = patch.email
    if "cost_centre" in patch.given:
        code = patch.cost_centre
        employee.cost_centre_id = (await resolve_cost_centre(uow, actor, code, owner)).id if code else None
    elif moved:
        await keep_reference(uow.repo(CostCentres), employee.cost_centre_id, owner, "cost_centre")
    if "user" in patch.given:
        employee.user_id = (await _login(uow, patch.user, owner)).id if patch.user else None
    elif moved and employee.user_id is not None:
        email = (await uow.repo(Employees).emails_by_user_id([employee.user_id]))[employee.user_id]
        await _login(uow, email, owner)
    view = await _view(uow, employee)
    after = _snapshot(view)
    if after != before:
        await uow.emit(
            Changed(
                actor=actor,
                entity="employee",
                entity_id=key,
                action="update",
                org_id=owner.id,
                before=before,
                after=after,
            )
        )
    await uow.commit()
    return view


async def delete_employee(uow: UnitOfWork, actor: Actor, key: str) -> None:
    """Its vehicles and tokens keep existing, assigned to nobody."""
    employee = await access_employee(uow, actor, key, Action.WRITE)
    before = _snapshot(await _view(uow, employee))
    detached = await uow.repo(Employees).referrers(employee.id)
    if detached:
        before["referenced_by"] = detached
    await uow.emit(
        Changed(
            actor=actor,
            entity="employee",
            entity_id=key,
            action="delete",
            org_id=employee.org_id,
            before=before,
        )
    )
    await uow.repo(Employees).delete(employee)
    await uow.commit()
