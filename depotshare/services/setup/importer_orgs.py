"""The import's `organisations` section (placed or moved in the tree, with their cost centres) and
its `users` section (logins and the roles the file adds; roles it does not name stay). Organisations
and logins are written by the orgs capability's apply_organisation / apply_user, as the API writes
them; every create and change is audited."""

from __future__ import annotations

from depotshare.domain.common.actor import Actor
from depotshare.domain.setup import ImportSummary, Plan
from depotshare.domain.setup.model import CostCentreIn, UserIn
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import apply_cost_centre
from depotshare.services.orgs.organisations import apply_organisation
from depotshare.services.orgs.users import apply_user
from depotshare.services.setup.importer_credentials import password_changes
from depotshare.services.setup.importer_fleet import CatalogueNames
from depotshare.store.orgs.models import Organisation
from depotshare.store.setup.importing import Catalogue


class OrgWriter:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, cat: Catalogue, plan: Plan, summary: ImportSummary
    ) -> None:
        self.uow, self.actor, self.cat, self.plan, self.summary = uow, actor, cat, plan, summary

    async def write(self) -> None:
        await self.organisations()
        for user in self.plan.doc.users:
            await self.user(user)

    def count(self, section: str, created: bool, changed: bool) -> None:
        self.summary.sections[section].count(created, changed)

    # --- organisations and cost centres ------------------------------------------------------

    async def organisations(self) -> None:
        """Each where the plan places it (`placed`: the file gives its parent, so it may move)."""
        for placed in self.plan.organisations:
            entry = placed.entry
            parent = self.cat.orgs[placed.parent] if placed.parent else None
            existing = self.cat.orgs.get(entry.key)
            org, changed = await apply_organisation(
                self.uow,
                self.actor,
                existing,
                key=entry.key,
                name=entry.name,
                parent=parent,
                move=placed.placed,
            )
            self.cat.add(org)
            self.count("organisations", existing is None, changed)
            for cc in entry.cost_centres:
                await self.cost_centre(org, cc)

    async def cost_centre(self, org: Organisation, entry: CostCentreIn) -> None:
        """Written by the fleet's write path, as the API writes a cost centre."""
        row = self.cat.cost_centres.get((org.id, entry.code))
        columns = {"org_id": org.id, "code": entry.code, "name": entry.name}
        applied = await apply_cost_centre(self.uow, self.actor, CatalogueNames(self.cat), row, columns)
        if applied.created:
            self.cat.add(applied.row)
        self.count("cost_centres", applied.created, applied.changed)

    # --- logins ----------------------------------------------------------------------------------

    async def user(self, entry: UserIn) -> None:
        row = self.cat.users.get(entry.email)
        given = entry.model_fields_set
        written = await apply_user(
            self.uow,
            self.actor,
            row,
            email=entry.email,
            name=entry.name if row is None or "name" in given else None,
            is_active=entry.active if row is None or "active" in given else None,
            credential=lambda user: password_changes(user, entry),
            roles=[(r.role, self.cat.orgs[r.org] if r.org else None) for r in entry.roles],
            held=[(ra.org_id, ra.role) for ra in self.cat.roles.get(row.id, [])] if row else (),
        )
        for indexed in [written.user, *written.added]:
            self.cat.add(indexed)
        self.count("users", row is None, written.changed)
