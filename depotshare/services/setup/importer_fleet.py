"""The import's fleet sections: `employees`, `vehicles` and `tokens`, upserted by natural key."""

from __future__ import annotations

from depotshare.domain.setup.model import EmployeeIn, TokenIn, VehicleIn
from depotshare.services.setup.importer_assets import AssetWriter, Columns
from depotshare.store.fleet.models import Employee, Token, Vehicle


class FleetEntries(AssetWriter):
    async def employee(self, e: EmployeeIn) -> None:
        await self.upsert("employees", "employee", Employee, e, self.cat.employees, self.employee_columns(e))

    async def vehicle(self, v: VehicleIn) -> None:
        await self.upsert("vehicles", "vehicle", Vehicle, v, self.cat.vehicles, self.vehicle_columns(v))

    async def token(self, t: TokenIn) -> None:
        await self.upsert("tokens", "token", Token, t, self.cat.tokens, self.token_columns(t))

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
