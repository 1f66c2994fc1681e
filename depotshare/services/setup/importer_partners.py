"""The import's `tariffs`, `partnerships` and `internal_grants` sections. Tariffs and partnerships
are upserted (keys left out keep their stored value); a partnership entry that lists `grants` owns
them: its grants are matched by `key`, or without one by their whole content, and the grants it no
longer lists are deleted. `internal_grants` owns the internal grants of every host it names, the
same way (an unkeyed one matched by subject and content). Every create, update and delete is
audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from depotshare.domain.access.grant_terms import GrantIn, grant_values, scope_of
from depotshare.domain.access.partnerships import PartnershipIn
from depotshare.domain.access.tariffs import TariffIn
from depotshare.domain.setup import ImportSummary
from depotshare.domain.setup.partners import GrantContent, InternalGrantIn, content
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.setup import exporter
from depotshare.store.access.grants import Grants
from depotshare.store.access.models import Grant, GrantScope, Partnership, Tariff
from depotshare.store.setup.importing import Catalogue

Record = Callable[..., Awaitable[None]]


def _picture(entry: Any) -> dict[str, Any]:
    picture: dict[str, Any] = entry.model_dump(mode="json", exclude_none=True, exclude={"grants"})
    return {k: v for k, v in picture.items() if v != []}


class PartnerWriter:
    def __init__(self, uow: UnitOfWork, cat: Catalogue, summary: ImportSummary, record: Record) -> None:
        self.uow, self.rows, self.cat, self.summary, self.record = (
            uow,
            uow.repo(Grants),
            cat,
            summary,
            record,
        )

    def count(self, section: str, created: bool, changed: bool) -> None:
        self.summary.sections[section].count(created, changed)

    # --- tariffs ---------------------------------------------------------------------------------

    async def tariff(self, entry: TariffIn) -> None:
        row = self.cat.tariffs.get(entry.key)
        elements = [e.model_dump(mode="json", exclude_none=True) for e in entry.elements]
        owner = self.cat.orgs[entry.owner].id if entry.owner else None
        if row is None:
            row = Tariff(key=entry.key, org_id=owner, currency=entry.currency, elements=elements)
            self.rows.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record("tariff", row.key, row.org_id, None, self.tariff_picture(row), "create")
            self.count("tariffs", True, False)
            return
        before = self.tariff_picture(row)
        wanted: dict[str, Any] = {"currency": entry.currency, "elements": elements}
        if "owner" in entry.model_fields_set:
            wanted["org_id"] = owner
        changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
        for column, value in changes.items():
            setattr(row, column, value)
        if changes:
            await self.record("tariff", row.key, row.org_id, before, self.tariff_picture(row))
        self.count("tariffs", False, bool(changes))

    def tariff_picture(self, row: Tariff) -> dict[str, Any]:
        return _picture(exporter.tariff_entry(self.cat, row))

    # --- partnerships ----------------------------------------------------------------------------

    async def partnership(self, entry: PartnershipIn) -> None:
        host, partner = self.cat.orgs[entry.host], self.cat.orgs[entry.partner]
        row = self.cat.partnerships.get((host.id, partner.id))
        columns: dict[str, dict[str, Any]] = {
            "key": {"key": entry.key},
            "status": {"status": entry.status.value},
            "valid_from": {"valid_from": entry.valid_from},
            "valid_until": {"valid_until": entry.valid_until},
            "tariff": {"tariff_id": self.cat.tariffs[entry.tariff].id if entry.tariff else None},
            "revenue_share": {"revenue_share": [s.model_dump(mode="json") for s in entry.revenue_share]},
        }
        if row is None:
            values = {c: v for cols in columns.values() for c, v in cols.items()}
            row = Partnership(host_org_id=host.id, partner_org_id=partner.id, **values)
            self.rows.add(row)
            await self.uow.flush()
            self.cat.add(row)
            await self.record("partnership", row.id, host.id, None, self.partnership_picture(row), "create")
            self.count("partnerships", True, False)
        else:
            given = entry.model_fields_set
            wanted = {c: v for name, cols in columns.items() if name in given for c, v in cols.items()}
            changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
            if changes:
                before = self.partnership_picture(row)
                for column, value in changes.items():
                    setattr(row, column, value)
                await self.record("partnership", row.id, host.id, before, self.partnership_picture(row))
            self.count("partnerships", False, bool(changes))
        if "grants" in entry.model_fields_set:
            await self.grants(row, entry.grants)

    def partnership_picture(self, row: Partnership) -> dict[str, Any]:
        return _picture(exporter.partnership_entry(self.cat, row, with_grants=False))

    # --- grants ----------------------------------------------------------------------------------

    async def grants(self, partnership: Partnership, entries: list[GrantIn]) -> None:
        """Make the partnership's grants exactly the entries."""
        owner = _Owner("grants", partnership.id, partnership.host_org_id, self.partnership_head(partnership))
        stored = list(self.cat.grants.get(partnership.id, []))
        await self.sync_grants(owner, stored, [(entry, _KEEP) for entry in entries])

    async def internal_grants(self, entries: list[InternalGrantIn]) -> None:
        """Each host the section names gets exactly its entries as its internal grants; hosts it
        does not name keep theirs."""
        by_host: dict[int, list[tuple[GrantIn, int | _Keep | None]]] = {}
        for entry in entries:
            host = self.cat.orgs[entry.host]
            subject = self.cat.orgs[entry.subject].id if entry.subject else None
            by_host.setdefault(host.id, []).append((entry, None if subject == host.id else subject))
        for host_id, wanted in by_host.items():
            stored = [g for g in self.cat.grants.get(None, []) if g.host_org_id == host_id]
            owner = _Owner("internal_grants", None, host_id, {})
            await self.sync_grants(owner, stored, wanted)

    async def sync_grants(
        self, owner: _Owner, stored: list[Grant], entries: list[tuple[GrantIn, int | _Keep | None]]
    ) -> None:
        """Keyed grants are matched by key, the others by content (and subject, where the entry
        names it); a stored grant no entry matches is deleted."""
        by_key = {g.key: g for g in stored if g.key is not None}
        unkeyed = [(g, self.identity(g)) for g in stored if g.key is None]
        kept: set[int] = set()
        for entry, subject in entries:
            if entry.key is not None and entry.key in by_key:
                row = by_key[entry.key]
                kept.add(row.id)
                await self.update_grant(owner, row, entry, subject)
                continue
            wanted = (None if isinstance(subject, _Keep) else subject, content(entry))
            match = next((g for g, c in unkeyed if c == wanted and g.id not in kept), None)
            if match is not None:
                kept.add(match.id)
                self.count(owner.section, False, False)
            else:
                kept.add(await self.create_grant(owner, entry, subject))
        for row in stored:
            if row.id not in kept:
                await self.delete_grant(owner, row)

    def identity(self, row: Grant) -> tuple[int | None, GrantContent]:
        """What matches an unkeyed grant: its subject (internal grants only) and its content."""
        subject = row.subject_org_id if row.partnership_id is None else None
        return subject, content(exporter.grant_entry(self.cat, row))

    def partnership_head(self, partnership: Partnership) -> dict[str, Any]:
        return {
            "partnership": [
                self.cat.org_key(partnership.host_org_id),
                self.cat.org_key(partnership.partner_org_id),
            ]
        }

    def grant_picture(self, owner: _Owner, row: Grant) -> dict[str, Any]:
        if row.partnership_id is None:
            return _picture(exporter.internal_grant_entry(self.cat, row))
        return {**owner.head, **_picture(exporter.grant_entry(self.cat, row))}

    def grant_columns(self, entry: GrantIn) -> dict[str, Any]:
        return grant_values(entry)  # shared with the API (services/access/partnerships.py)

    def scope_rows(self, grant_id: int, entry: GrantIn) -> list[GrantScope]:
        kind, places = scope_of(entry)
        if kind == "locations":
            return [GrantScope(grant_id=grant_id, location_id=self.cat.locations[k].id) for k, _ in places]
        return [
            GrantScope(grant_id=grant_id, station_id=self.cat.stations[s].id, evse_id=evse)
            for s, evse in places
        ]

    async def create_grant(self, owner: _Owner, entry: GrantIn, subject: int | _Keep | None) -> int:
        row = Grant(
            partnership_id=owner.partnership_id,
            host_org_id=owner.host_org_id,
            subject_org_id=None if isinstance(subject, _Keep) else subject,
            **self.grant_columns(entry),
        )
        self.rows.add(row)
        await self.uow.flush()
        self.cat.add(row)
        await self.set_scopes(row, entry)
        await self.record(
            owner.entity, row.id, owner.host_org_id, None, self.grant_picture(owner, row), "create"
        )
        self.count(owner.section, True, False)
        return row.id

    async def update_grant(
        self, owner: _Owner, row: Grant, entry: GrantIn, subject: int | _Keep | None
    ) -> None:
        before = self.grant_picture(owner, row)
        same_subject = isinstance(subject, _Keep) or row.subject_org_id == subject
        if same_subject and content(exporter.grant_entry(self.cat, row)) == content(entry):
            self.count(owner.section, False, False)
            return
        columns = self.grant_columns(entry)
        if not isinstance(subject, _Keep):
            columns["subject_org_id"] = subject
        for column, value in columns.items():
            if getattr(row, column) != value:
                setattr(row, column, value)
        if content(exporter.grant_entry(self.cat, row)).scope != content(entry).scope:
            await self.rows.delete_places(row.id)
            self.cat.scopes[row.id] = []
            await self.set_scopes(row, entry)
        await self.record(owner.entity, row.id, owner.host_org_id, before, self.grant_picture(owner, row))
        self.count(owner.section, False, True)

    async def set_scopes(self, row: Grant, entry: GrantIn) -> None:
        for scope in self.scope_rows(row.id, entry):
            self.rows.add(scope)
            await self.uow.flush()
            self.cat.add(scope)

    async def delete_grant(self, owner: _Owner, row: Grant) -> None:
        before = self.grant_picture(owner, row)
        await self.rows.delete_places(row.id)
        await self.rows.delete(row)
        await self.uow.flush()
        self.cat.forget_grant(row)
        await self.record(owner.entity, row.id, owner.host_org_id, before, None, "delete")
        self.summary.sections[owner.section].deleted += 1


class _Keep:
    """A partnership grant's subject, which the file does not name: left as it is."""


_KEEP = _Keep()


@dataclass(frozen=True)
class _Owner:
    """Whose set of grants an entry list is: a partnership's, or a host's internal grants."""

    section: str  # the summary's section (and, singular, the audit log's entity)
    partnership_id: int | None
    host_org_id: int
    head: dict[str, Any]  # how the audit picture names the partnership

    @property
    def entity(self) -> str:
        return self.section.removesuffix("s")  # grant | internal_grant
