"""The import's `organisations` section (placed or moved in the tree, with their cost centres) and
its `users` section (logins and the roles the file adds; roles it does not name stay). Every create
and change is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from depotshare.domain.orgs import tree
from depotshare.domain.setup import ImportSummary, Plan
from depotshare.domain.setup.model import CostCentreIn, UserIn
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import add_organisation, move_organisation, reread_organisations
from depotshare.services.setup.importer_credentials import password_changes, set_password
from depotshare.store.fleet.models import CostCentre
from depotshare.store.orgs.models import Organisation, RoleAssignment, User
from depotshare.store.setup.importing import Catalogue, Catalogues

Record = Callable[..., Awaitable[None]]


class OrgWriter:
    def __init__(
        self, uow: UnitOfWork, cat: Catalogue, plan: Plan, summary: ImportSummary, record: Record
    ) -> None:
        self.uow, self.rows, self.cat, self.plan = uow, uow.repo(Catalogues), cat, plan
        self.summary, self.record = summary, record

    async def write(self) -> None:
        await self.organisations()
        for user in self.plan.doc.users:
            await self.user(user)

    def count(self, section: str, created: bool, changed: bool) -> None:
        self.summary.sections[section].count(created, changed)

    # --- organisations and cost centres ------------------------------------------------------

    def org_picture(self, org: Organisation) -> dict[str, Any]:
        return {"key": org.key, "name": org.name, "parent": self.cat.org_key(org.parent_id)}

    async def organisations(self) -> None:
        for placed in self.plan.organisations:
            entry = placed.entry
            parent = self.cat.orgs[placed.parent] if placed.parent else None
            org = self.cat.orgs.get(entry.key)
            if org is None:
                org = await add_organisation(self.uow, key=entry.key, name=entry.name, parent=parent)
                self.cat.add(org)
                await self.record("organisation", org.key, org.id, None, self.org_picture(org))
                self.count("organisations", True, False)
            else:
                before = self.org_picture(org)
                org.name = entry.name if org.name != entry.name else org.name
                if placed.placed and org.parent_id != (parent.id if parent else None):
                    tree.check_move(org.path, parent.path if parent else None)
                    await self.uow.flush()  # a refresh below must not lose pending changes
                    await move_organisation(self.uow, org, parent)
                    await reread_organisations(self.uow)
                after = self.org_picture(org)
                if after != before:
                    await self.record("organisation", org.key, org.id, before, after)
                self.count("organisations", False, after != before)
            for cc in entry.cost_centres:
                await self.cost_centre(org, cc)

    async def cost_centre(self, org: Organisation, entry: CostCentreIn) -> None:
        row = self.cat.cost_centres.get((org.id, entry.code))
        picture = {"org": org.key, "code": entry.code, "name": entry.name}
        if row is None:
            row = CostCentre(org_id=org.id, code=entry.code, name=entry.name)
            self.rows.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record("cost_centre", row.id, org.id, None, picture)
            self.count("cost_centres", True, False)
            return
        changed = row.name != entry.name
        if changed:
            await self.record("cost_centre", row.id, org.id, {**picture, "name": row.name}, picture)
            row.name = entry.name
        self.count("cost_centres", False, changed)

    # --- logins ----------------------------------------------------------------------------------

    async def user(self, entry: UserIn) -> None:
        row = self.cat.users.get(entry.email)
        created = row is None
        if row is None:
            row = User(email=entry.email, name=entry.name, is_active=entry.active)
            set_password(row, entry)
            self.rows.add(row)
            await self.uow.flush()
            self.cat.add(row)
        before = {"email": row.email, "name": row.name, "is_active": row.is_active}
        given = entry.model_fields_set
        if "name" in given:
            row.name = entry.name
        if "active" in given:
            row.is_active = entry.active
        after: dict[str, Any] = {"email": row.email, "name": row.name, "is_active": row.is_active}
        if not created and password_changes(row, entry):
            after["password"] = "changed"
        added = await self.roles(row, entry, created)
        if created:
            after["roles"] = [[r.role.value, r.org] for r in entry.roles]
            await self.record("user", row.id, added[0] if added else None, None, after)
        elif after != before:
            await self.record("user", row.id, self.home_org(row), before, after)
        self.count("users", created, after != before or bool(added))

    async def roles(self, user: User, entry: UserIn, created: bool) -> list[int | None]:
        """Add the roles the file gives and the login lacks; roles it does not name stay."""
        held = {(ra.org_id, ra.role) for ra in self.cat.roles.get(user.id, [])}
        added: list[int | None] = []
        for role in entry.roles:
            org_id = self.cat.orgs[role.org].id if role.org else None
            if (org_id, role.role.value) in held:
                continue
            ra = RoleAssignment(user_id=user.id, org_id=org_id, role=role.role.value)
            self.rows.add(ra)
            await self.uow.flush()
            self.cat.add(ra)
            held.add((org_id, role.role.value))
            added.append(org_id)
            if not created:
                after = {"user": user.email, "role": role.role.value, "org": role.org}
                await self.record("role_assignment", user.id, org_id, None, after)
        return added

    def home_org(self, user: User) -> int | None:
        return next((ra.org_id for ra in self.cat.roles.get(user.id, []) if ra.org_id is not None), None)
