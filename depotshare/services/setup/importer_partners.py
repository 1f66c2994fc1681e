"""The import's `tariffs`, `partnerships` and `internal_grants` sections. Tariffs and partnerships
are upserted (keys left out keep their stored value); a partnership entry that lists `grants` owns
them: its grants are matched by `key`, or without one by their whole content, and the grants it no
longer lists are deleted. `internal_grants` owns the internal grants of every host it names, the
same way (an unkeyed one matched by subject and content). Partnerships and grants are written
through the access capability's apply_partnership/apply_grant/remove_grant, as the API writes
them: audited in the one snapshot shape, their local lists marked by the events; references and
the snapshots' names come from the catalogue, so no entry costs a lookup query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from depotshare.domain.access.grant_terms import GrantIn, scope_of
from depotshare.domain.access.partnerships import PartnershipIn
from depotshare.domain.access.tariffs import TariffIn
from depotshare.domain.common.actor import Actor
from depotshare.domain.setup import ImportSummary
from depotshare.domain.setup.partners import GrantContent, InternalGrantIn, content
from depotshare.services.access.grant_writes import (
    CheckedGrant,
    GrantOwner,
    PlaceRow,
    apply_grant,
    internal_owner,
    partnership_owner,
    places_named,
    remove_grant,
    snapshot,
)
from depotshare.services.access.partnerships import (
    PartnershipNames,
    apply_partnership,
    partnership_columns,
    partnership_snapshot,
)
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.setup import exporter
from depotshare.store.access.models import Grant, GrantScope, Partnership, Tariff
from depotshare.store.setup.importing import Catalogue, Catalogues

Record = Callable[..., Awaitable[None]]


def _picture(entry: Any) -> dict[str, Any]:
    picture: dict[str, Any] = entry.model_dump(mode="json", exclude_none=True, exclude={"grants"})
    return {k: v for k, v in picture.items() if v != []}


class PartnerWriter:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, cat: Catalogue, summary: ImportSummary, record: Record
    ) -> None:
        self.uow, self.actor, self.cat, self.summary, self.record = uow, actor, cat, summary, record
        self.rows = uow.repo(Catalogues)

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
        columns = partnership_columns(entry, self.cat.tariffs[entry.tariff].id if entry.tariff else None)
        pair = (host.id, partner.id)
        if row is None:
            names = PartnershipNames(host.key, partner.key, entry.tariff)
            row = await apply_partnership(self.uow, self.actor, pair, columns, names)
            self.cat.add(row)
            self.count("partnerships", True, False)
        else:
            given = entry.model_fields_set
            wanted = {c: v for c, v in columns.items() if c.removesuffix("_id") in given}
            changes = {c: v for c, v in wanted.items() if getattr(row, c) != v}
            if changes:
                before = partnership_snapshot(row, self.partnership_names(row, row.tariff_id))
                names = self.partnership_names(row, changes.get("tariff_id", row.tariff_id))
                await apply_partnership(self.uow, self.actor, pair, changes, names, row, before=before)
            self.count("partnerships", False, bool(changes))
        if "grants" in entry.model_fields_set:
            await self.grants(row, entry.grants)

    def partnership_names(self, row: Partnership, tariff_id: int | None) -> PartnershipNames:
        host, partner = self.cat.org_key(row.host_org_id), self.cat.org_key(row.partner_org_id)
        assert host is not None and partner is not None
        tariff = self.cat.tariff_by_id[tariff_id].key if tariff_id is not None else None
        return PartnershipNames(host, partner, tariff)

    # --- grants ----------------------------------------------------------------------------------

    async def grants(self, partnership: Partnership, entries: list[GrantIn]) -> None:
        """Make the partnership's grants exactly the entries."""
        names = self.partnership_names(partnership, partnership.tariff_id)
        ref = partnership.key if partnership.key is not None else f"{names.host}:{names.partner}"
        owner = _Owner("grants", partnership_owner(partnership.id, partnership.host_org_id, ref))
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
            owner = _Owner("internal_grants", internal_owner(host_id, self.cat.org_by_id[host_id].key))
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

    def snapshot(self, owner: _Owner, row: Grant) -> dict[str, Any]:
        """The stored grant's snapshot, its places and subject named from the catalogue."""
        places = places_named(exporter.grant_entry(self.cat, row))
        return snapshot(owner.grants, row, places, self.cat.org_key(row.subject_org_id))

    def checked(self, row: Grant | None, entry: GrantIn, subject: int | _Keep | None) -> CheckedGrant:
        """The entry as the access capability writes it: the file was checked against the
        catalogue, which resolves its places and names its subject."""
        if isinstance(subject, _Keep):  # the stored subject stays
            subject = row.subject_org_id if row is not None else None
        kind, places = scope_of(entry)
        if kind == "locations":
            rows: list[PlaceRow] = [(self.cat.locations[k].id, None, None) for k, _ in places]
        else:
            rows = [(None, self.cat.stations[s].id, evse) for s, evse in places]
        return CheckedGrant(entry, subject, self.cat.org_key(subject), rows)

    async def create_grant(self, owner: _Owner, entry: GrantIn, subject: int | _Keep | None) -> int:
        checked = self.checked(None, entry, subject)
        row, places = await apply_grant(self.uow, self.actor, owner.grants, checked)
        self.index(row, places)
        self.count(owner.section, True, False)
        return row.id

    async def update_grant(
        self, owner: _Owner, row: Grant, entry: GrantIn, subject: int | _Keep | None
    ) -> None:
        stored = content(exporter.grant_entry(self.cat, row))
        same_subject = isinstance(subject, _Keep) or row.subject_org_id == subject
        if same_subject and stored == content(entry):
            self.count(owner.section, False, False)
            return
        before = self.snapshot(owner, row)
        _, places = await apply_grant(
            self.uow,
            self.actor,
            owner.grants,
            self.checked(row, entry, subject),
            row,
            before=before,
            keep_subject=isinstance(subject, _Keep),
            replace_places=stored.scope != content(entry).scope,
        )
        if places is not None:
            self.cat.scopes[row.id] = []
            self.index(None, places)
        self.count(owner.section, False, True)

    def index(self, row: Grant | None, places: list[GrantScope] | None) -> None:
        for written in ([row] if row is not None else []) + list(places or []):
            self.cat.add(written)

    async def delete_grant(self, owner: _Owner, row: Grant) -> None:
        await remove_grant(self.uow, self.actor, owner.grants, row, self.snapshot(owner, row))
        await self.uow.flush()
        self.cat.forget_grant(row)
        self.summary.sections[owner.section].deleted += 1


class _Keep:
    """A partnership grant's subject, which the file does not name: left as it is."""


_KEEP = _Keep()


@dataclass(frozen=True)
class _Owner:
    """Whose set of grants an entry list is: a partnership's, or a host's internal grants."""

    section: str  # the summary's section
    grants: GrantOwner  # how the access capability writes and audits them
