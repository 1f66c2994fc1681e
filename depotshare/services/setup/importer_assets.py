"""What the import's asset sections share: upserting a row by its natural key (keys the entry
leaves out keep their stored value), every create and change audited. The sections themselves are
the fleet's (importer_fleet.py) and the sites' (importer_sites.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from depotshare.domain.common.inputs import Entry
from depotshare.domain.setup import ImportSummary, Plan
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.setup import exporter
from depotshare.store.fleet.models import Employee, Token, Vehicle
from depotshare.store.setup.importing import Catalogue, Catalogues
from depotshare.store.sites.models import Location

Row = TypeVar("Row", Employee, Vehicle, Location, Token)
Record = Callable[..., Awaitable[None]]
# Each entry key of an asset, and the columns it sets.
Columns = dict[str, dict[str, Any]]


def audit_picture(entry: BaseModel) -> dict[str, Any]:
    """An entry as the audit log keeps it: no password hashes, a location without its stations."""
    picture = entry.model_dump(mode="json", exclude_none=True, exclude={"password_hash", "stations"})
    return {k: v for k, v in picture.items() if v != []}


class AssetWriter:
    """The upsert every asset section shares (joined in importer.ImportedAssets)."""

    def __init__(
        self, uow: UnitOfWork, cat: Catalogue, plan: Plan, summary: ImportSummary, record: Record
    ) -> None:
        self.uow, self.rows, self.cat, self.plan = uow, uow.repo(Catalogues), cat, plan
        self.summary, self.record = summary, record

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
            self.rows.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record(entity, key, row.org_id, None, audit_picture(picture(self.cat, row)))
            self.count(section, True, False)
            return row
        wanted = {
            c: v for name, cols in columns.items() if name in entry.model_fields_set for c, v in cols.items()
        }
        changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
        if changes:
            before = audit_picture(picture(self.cat, row))
            for column, value in changes.items():
                setattr(row, column, value)
            await self.record(entity, key, row.org_id, before, audit_picture(picture(self.cat, row)))
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


_PICTURES: dict[type[Any], Callable[[Catalogue, Any], BaseModel]] = {
    Employee: exporter.employee_entry,
    Vehicle: exporter.vehicle_entry,
    Location: lambda cat, row: exporter.location_entry(cat, row, with_stations=False),
    Token: exporter.token_entry,
}
