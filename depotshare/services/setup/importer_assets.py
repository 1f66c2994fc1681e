"""What the import's asset sections share: the summary count and the references an entry names
(organisation, cost centre, employee), resolved in the import's catalogue, so an entry costs no
lookup query. The sections are the fleet's (importer_fleet.py) and the sites' (importer_sites.py);
each writes through its capability's apply_<thing>(), as the API does."""

from __future__ import annotations

from typing import Any

from depotshare.domain.setup import ImportSummary, Plan
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.setup.importing import Catalogue

# Each entry key of an asset, and the columns it sets.
Columns = dict[str, dict[str, Any]]


class AssetWriter:
    """What every asset section shares (joined in importer.ImportedAssets)."""

    def __init__(self, uow: UnitOfWork, cat: Catalogue, plan: Plan, summary: ImportSummary) -> None:
        self.uow, self.cat, self.plan, self.summary = uow, cat, plan, summary

    def count(self, section: str, created: bool, changed: bool) -> None:
        self.summary.sections[section].count(created, changed)

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
