"""The import's fleet sections: `employees`, `vehicles` and `tokens`, upserted by natural key
through the fleet's own write path (apply_employee, apply_vehicle, apply_token), so an imported
object is written, audited and marked as a REST write is. References are resolved from the
catalogue, and so are the names its audit snapshots show: an entry costs no lookup query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from depotshare.domain.common.actor import Actor
from depotshare.domain.setup.model import EmployeeIn, TokenIn, VehicleIn
from depotshare.services.fleet.employees import apply_employee
from depotshare.services.fleet.names import FleetNames
from depotshare.services.fleet.tokens import apply_token
from depotshare.services.fleet.vehicles import apply_vehicle
from depotshare.services.fleet.writes import Applied
from depotshare.services.setup.importer_assets import AssetWriter, Columns
from depotshare.store.setup.importing import Catalogue


class CatalogueNames:
    """The fleet's names, answered by the catalogue the import has loaded."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat

    async def names_for(self, rows: Sequence[object], /) -> FleetNames:
        return self.cat


class FleetEntries(AssetWriter):
    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.names = actor, CatalogueNames(self.cat)

    async def employee(self, e: EmployeeIn) -> None:
        row = self.cat.employees.get(e.key)
        columns = _given(e, row, {"key": {"key": e.key}, **self.employee_columns(e)})
        self.done("employees", await apply_employee(self.uow, self.actor, self.names, row, columns))

    async def vehicle(self, v: VehicleIn) -> None:
        row = self.cat.vehicles.get(v.key)
        columns = _given(v, row, {"key": {"key": v.key}, **self.vehicle_columns(v)})
        self.done("vehicles", await apply_vehicle(self.uow, self.actor, self.names, row, columns))

    async def token(self, t: TokenIn) -> None:
        row = self.cat.tokens.get(t.uid)
        columns = _given(t, row, {"uid": {"uid": t.uid}, **self.token_columns(t)})
        # Its organisations before and after, whose stations' local lists carry its cards.
        org_ids = {columns.get("org_id"), row.org_id if row is not None else None}
        org_paths = frozenset(self.cat.org_by_id[i].path for i in org_ids if i is not None)
        self.done("tokens", await apply_token(self.uow, self.actor, self.names, row, columns, org_paths))

    def done(self, section: str, applied: Applied[Any, Any]) -> None:
        if applied.created:
            self.cat.add(applied.row)
        self.count(section, applied.created, applied.changed)

    def employee_columns(self, e: EmployeeIn) -> Columns:
        return {
            "org": {"org_id": self.org_id(e.org)},
            "name": {"name": e.name},
            "email": {"email": e.email},
            "cost_centre": {"cost_centre_id": self.cost_centre_id(e.org, e.cost_centre)},
            "user": {"user_id": self.cat.users[e.user].id if e.user else None},
        }

    def vehicle_columns(self, v: VehicleIn) -> Columns:
        return {
            "org": {"org_id": self.org_id(v.org)},
            "plate": {"plate": v.plate},
            "description": {"description": v.description},
            "cost_centre": {"cost_centre_id": self.cost_centre_id(v.org, v.cost_centre)},
            "employee": {"employee_id": self.employee_id(v.employee)},
        }

    def token_columns(self, t: TokenIn) -> Columns:
        return {
            "org": {"org_id": self.org_id(t.org)},
            "type": {"type": t.type.value},
            "status": {"status": t.status.value},
            "group": {"group_id": t.group},
            "valid_from": {"valid_from": t.valid_from},
            "valid_until": {"valid_until": t.valid_until},
            "employee": {"employee_id": self.employee_id(t.employee)},
            "vehicle": {"vehicle_id": self.cat.vehicles[t.vehicle].id if t.vehicle else None},
            "cost_centre": {"cost_centre_id": self.cost_centre_id(t.org, t.cost_centre)},
            "label": {"label": t.label},
        }


def _given(entry: BaseModel, row: object | None, columns: Columns) -> dict[str, Any]:
    """A new object takes every column; an existing one only those of the keys the entry gives
    (keys it leaves out keep their stored value)."""
    given = entry.model_fields_set
    return {c: v for name, cols in columns.items() if row is None or name in given for c, v in cols.items()}
