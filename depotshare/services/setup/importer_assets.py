"""The import's asset sections: `employees`, `vehicles`, `locations` with their `stations` (EVSEs and
connectors the file omits stay) and `tokens`, upserted by natural key (keys left out keep their
stored value). Every create and change is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from depotshare.domain.common.inputs import Entry
from depotshare.domain.setup import ImportSummary, Plan
from depotshare.domain.setup.model import EmployeeIn, LocationIn, StationIn, TokenIn, VehicleIn
from depotshare.domain.setup.roaming import stored_publish_tokens
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.setup import exporter
from depotshare.services.setup.importer_credentials import password_changes, set_password
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.setup.importing import Catalogue
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

Row = TypeVar("Row", Employee, Vehicle, Location, Token)
Record = Callable[..., Awaitable[None]]
# Each entry key of an asset, and the columns it sets.
Columns = dict[str, dict[str, Any]]


def _audit_picture(entry: BaseModel) -> dict[str, Any]:
    """An entry as the audit log keeps it: no password hashes, a location without its stations."""
    picture = entry.model_dump(mode="json", exclude_none=True, exclude={"password_hash", "stations"})
    return {k: v for k, v in picture.items() if v != []}


class AssetWriter:
    def __init__(
        self, uow: UnitOfWork, cat: Catalogue, plan: Plan, summary: ImportSummary, record: Record
    ) -> None:
        self.uow, self.session, self.cat, self.plan = uow, uow.session, cat, plan
        self.summary, self.record = summary, record

    async def write(self) -> None:
        doc = self.plan.doc
        for e in doc.employees:
            await self.upsert(
                "employees", "employee", Employee, e, self.cat.employees, self.employee_columns(e)
            )
        for v in doc.vehicles:
            await self.upsert("vehicles", "vehicle", Vehicle, v, self.cat.vehicles, self.vehicle_columns(v))
        for loc in doc.locations:
            row = await self.upsert(
                "locations", "location", Location, loc, self.cat.locations, self.location_columns(loc)
            )
            for station in loc.stations:
                await self.station(row, station)
        for t in doc.tokens:
            await self.upsert("tokens", "token", Token, t, self.cat.tokens, self.token_columns(t))

    def count(self, section: str, created: bool, changed: bool) -> None:
        self.summary.sections[section].count(created, changed)

    # --- employees, vehicles, locations, tokens ------------------------------------------------

    async def upsert(
        self,
        section: str,
        entity: str,
        model: type[Row],
        entry: Entry,
        existing: dict[str, Row],
        columns: Columns,
    ) -> Row:
        """Create the row, or change the columns of the keys the entry gives; audit either."""
        key: str = getattr(entry, "uid" if model is Token else "key")
        picture = _PICTURES[model]
        row = existing.get(key)
        if row is None:
            values = {c: v for cols in columns.values() for c, v in cols.items()}
            row = model(**{"uid" if model is Token else "key": key}, **values)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record(entity, key, row.org_id, None, _audit_picture(picture(self.cat, row)))
            self.count(section, True, False)
            return row
        wanted = {
            c: v for name, cols in columns.items() if name in entry.model_fields_set for c, v in cols.items()
        }
        changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
        if changes:
            before = _audit_picture(picture(self.cat, row))
            for column, value in changes.items():
                setattr(row, column, value)
            await self.record(entity, key, row.org_id, before, _audit_picture(picture(self.cat, row)))
        self.count(section, False, bool(changes))
        return row

    def org_id(self, key: str) -> int:
        return self.cat.orgs[key].id

    def cost_centre_id(self, org: str, code: str | None) -> int | None:
        if code is None:
            return None
        owner = self.plan.cost_centre_owner(org, code)
        assert owner is not None  # resolve() checked it
        return self.cat.cost_centres[(self.org_id(owner), code)].id

    def employee_id(self, key: str | None) -> int | None:
        return self.cat.employees[key].id if key else None

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

    def location_columns(self, loc: LocationIn) -> Columns:
        a, c = loc.address, loc.coordinates
        return {
            "org": {"org_id": self.org_id(loc.org)},
            "name": {"name": loc.name},
            "timezone": {"timezone": loc.timezone},
            "address": {
                "street": a.street if a else None,
                "city": a.city if a else None,
                "postal_code": a.postal_code if a else None,
                "country": a.country if a else None,
            },
            "coordinates": {"latitude": c.lat if c else None, "longitude": c.lon if c else None},
            "publish": {"publish": loc.publish},
            "publish_allowed_to": {"publish_allowed_to": stored_publish_tokens(loc.publish_allowed_to)},
            "grid_limit_kw": {"grid_limit_kw": loc.grid_limit_kw},
            "home": {
                "is_home": loc.home is not None,
                "home_employee_id": self.employee_id(loc.home.employee) if loc.home else None,
            },
            "admit_station_prefix": {"admit_station_prefix": loc.admit_station_prefix},
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

    # --- stations --------------------------------------------------------------------------------

    async def station(self, location: Location, entry: StationIn) -> None:
        """A station with its EVSEs and connectors; EVSEs and connectors the file omits stay."""
        row = self.cat.stations.get(entry.id)
        before = None if row is None else self.station_picture(row)
        changed = password_changed = row is None
        if row is None:
            row = ChargingStation(location_id=location.id, ocpp_id=entry.id)
            set_password(row, entry)
            self.session.add(row)
            await self.uow.flush()
            self.cat.add(row)
        else:
            if row.location_id != location.id:
                row.location_id, changed = location.id, True
            password_changed = password_changes(row, entry)
            changed = changed or password_changed
        changed = await self.evses(row, entry) or changed
        if changed:
            after = self.station_picture(row)
            if before is not None and password_changed:
                after["password"] = "changed"
            await self.record("station", row.ocpp_id, location.org_id, before, after)
        self.count("stations", before is None, changed)

    def station_picture(self, row: ChargingStation) -> dict[str, Any]:
        location = self.cat.location_by_id[row.location_id]
        return {"location": location.key, **_audit_picture(exporter.station_entry(self.cat, row))}

    async def evses(self, station: ChargingStation, entry: StationIn) -> bool:
        changed = False
        for evse in entry.evses:
            evse_row = self.cat.evses[station.id].get(evse.id)
            if evse_row is None:
                evse_row = Evse(station_id=station.id, evse_id=evse.id)
                self.session.add(evse_row)
                await self.uow.flush()
                self.cat.add(evse_row)
                changed = True
            for c in evse.connectors:
                connector = self.cat.connectors[evse_row.id].get(c.id)
                if connector is None:
                    connector = Connector(
                        evse_pk=evse_row.id, connector_id=c.id, standard=c.standard, max_kw=c.max_kw
                    )
                    self.session.add(connector)
                    await self.uow.flush()
                    self.cat.add(connector)
                    changed = True
                    continue
                if connector.standard != c.standard:
                    connector.standard, changed = c.standard, True
                if "max_kw" in c.model_fields_set and connector.max_kw != c.max_kw:
                    connector.max_kw, changed = c.max_kw, True
        return changed


_PICTURES: dict[type[Any], Callable[[Catalogue, Any], BaseModel]] = {
    Employee: exporter.employee_entry,
    Vehicle: exporter.vehicle_entry,
    Location: lambda cat, row: exporter.location_entry(cat, row, with_stations=False),
    Token: exporter.token_entry,
}
