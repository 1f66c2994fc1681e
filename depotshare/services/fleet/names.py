"""The natural keys a fleet object's view and audit snapshot name its references by (organisation
key, cost centre code, employee and vehicle keys, the linked login's email). A REST use case reads
them for its rows (one query per kind); the import has them all in its catalogue already, which
answers the same questions, so an imported entry costs no query for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol, TypeVar

from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import org_keys
from depotshare.store.fleet.cost_centres import CostCentres
from depotshare.store.fleet.employees import Employees
from depotshare.store.fleet.vehicles import Vehicles


class FleetNames(Protocol):
    def org_key(self, org_id: int | None, /) -> str | None: ...
    def cost_centre_code(self, cost_centre_id: int | None, /) -> str | None: ...
    def user_email(self, user_id: int | None, /) -> str | None: ...
    def employee_key(self, employee_id: int | None, /) -> str | None: ...
    def vehicle_key(self, vehicle_id: int | None, /) -> str | None: ...


V = TypeVar("V")

# The view fields that name a reference: field -> (the row's column, the FleetNames question).
NAMED = {
    "org": ("org_id", "org_key"),
    "cost_centre": ("cost_centre_id", "cost_centre_code"),
    "employee": ("employee_id", "employee_key"),
    "vehicle": ("vehicle_id", "vehicle_key"),
    "user": ("user_id", "user_email"),
}


def named_view(view: type[V], row: object, names: FleetNames) -> V:
    """The view of a row: each field is the row's column of that name, or, for a reference, the
    name `names` gives it."""

    def value(field: str) -> Any:
        if field in NAMED:
            column, question = NAMED[field]
            return getattr(names, question)(getattr(row, column))
        return getattr(row, field)

    return view(**{f.name: value(f.name) for f in fields(view)})  # type: ignore[arg-type]


class NameSource(Protocol):
    async def names_for(self, rows: Sequence[object], /) -> FleetNames:
        """The names of what `rows` refer to."""
        ...


@dataclass(frozen=True)
class _ReadNames:
    orgs: dict[int, str]
    cost_centres: dict[int, str]
    users: dict[int, str]
    employees: dict[int, str]
    vehicles: dict[int, str]

    def org_key(self, org_id: int | None, /) -> str | None:
        return self.orgs.get(org_id) if org_id is not None else None

    def cost_centre_code(self, cost_centre_id: int | None, /) -> str | None:
        return self.cost_centres.get(cost_centre_id) if cost_centre_id is not None else None

    def user_email(self, user_id: int | None, /) -> str | None:
        return self.users.get(user_id) if user_id is not None else None

    def employee_key(self, employee_id: int | None, /) -> str | None:
        return self.employees.get(employee_id) if employee_id is not None else None

    def vehicle_key(self, vehicle_id: int | None, /) -> str | None:
        return self.vehicles.get(vehicle_id) if vehicle_id is not None else None


async def read_names(uow: UnitOfWork, rows: Sequence[object]) -> FleetNames:
    """The names a page of fleet rows refers to: one query per kind of reference the rows hold,
    never one per row."""

    def ids(column: str) -> list[int | None]:
        return [getattr(row, column, None) for row in rows]

    return _ReadNames(
        orgs=await org_keys(uow, ids("org_id")),
        employees=await uow.repo(Employees).keys_by_id(ids("employee_id")),
        vehicles=await uow.repo(Vehicles).keys_by_id(ids("vehicle_id")),
        cost_centres=await uow.repo(CostCentres).codes_by_id(ids("cost_centre_id")),
        users=await uow.repo(Employees).emails_by_user_id(ids("user_id")),
    )


@dataclass(frozen=True)
class StoredNames:
    """Names read from the database, for a REST use case."""

    uow: UnitOfWork

    async def names_for(self, rows: Sequence[object], /) -> FleetNames:
        return await read_names(self.uow, rows)
