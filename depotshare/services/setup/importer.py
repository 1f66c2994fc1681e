"""`depotshare import FILE.yaml`: a declarative set-up applied all-or-nothing in one transaction.
Objects are matched by natural key and only what differs is written, so a second import of the same
file changes nothing; every change is audited by its section's writer (importer_orgs, _assets, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depotshare.config import Settings
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.common.events import Changed
from depotshare.domain.setup import ImportFile, ImportSummary, Known, Plan, read_text, resolve
from depotshare.services.access.local_list_marks import mark_all
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer_fleet import FleetEntries
from depotshare.services.setup.importer_orgs import OrgWriter
from depotshare.services.setup.importer_partners import PartnerWriter
from depotshare.services.setup.importer_roaming import RoamingWriter
from depotshare.services.setup.importer_sites import SiteEntries
from depotshare.store.setup.importing import Catalogue, Catalogues


async def run_import_file(settings: Settings, path: Path) -> ImportSummary:
    """The CLI use case: read, check, apply, commit; returns the summary to print."""
    doc = read_import_file(path)
    runtime = Runtime(settings)
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            summary = await import_document(uow, doc, Actor.system(f"import {path.name}"), path.name)
    finally:
        await runtime.close()
    return summary


def read_import_file(path: Path) -> ImportFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(str(path), f"cannot read the file ({e})") from None
    return read_text(text)


async def import_document(
    uow: UnitOfWork, doc: ImportFile, actor: Actor, source: str = "import"
) -> ImportSummary:
    """Check `doc` against the database, then apply it and commit once. Nothing is written on error."""
    catalogue = await uow.repo(Catalogues).load()
    plan = resolve(doc, _known(catalogue))
    writer = _Writer(uow, actor, catalogue, plan, ImportSummary(source))
    await writer.run()
    if writer.summary.changed:  # grants, tokens, partnerships or stations: every list is due
        await mark_all(uow)
    await uow.commit()
    return writer.summary


def _known(cat: Catalogue) -> Known:
    return Known(
        org_parents={o.key: cat.org_key(o.parent_id) for o in cat.orgs.values()},
        cost_centres=frozenset((cat.org_by_id[org_id].key, code) for org_id, code in cat.cost_centres),
        users=frozenset(cat.users),
        employees={e.key: cat.org_by_id[e.org_id].key for e in cat.employees.values()},
        vehicles={v.key: cat.org_by_id[v.org_id].key for v in cat.vehicles.values()},
        station_prefixes={
            loc.admit_station_prefix: loc.key for loc in cat.locations.values() if loc.admit_station_prefix
        },
        locations={loc.key: cat.org_by_id[loc.org_id].key for loc in cat.locations.values()},
        stations={s.ocpp_id: cat.location_by_id[s.location_id].key for s in cat.stations.values()},
        evses=frozenset(
            (cat.station_by_id[station_id].ocpp_id, number)
            for station_id, evses in cat.evses.items()
            for number in evses
        ),
        tariffs={t.key: cat.org_key(t.org_id) for t in cat.tariffs.values()},
        partnership_keys={
            p.key: (cat.org_by_id[p.host_org_id].key, cat.org_by_id[p.partner_org_id].key)
            for p in cat.partnerships.values()
            if p.key is not None
        },
        roaming_partners={
            r.key: ((r.country_code, r.party_id, r.role), r.token_hash) for r in cat.roaming_partners.values()
        },
    )


class _Writer:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, cat: Catalogue, plan: Plan, summary: ImportSummary
    ) -> None:
        self.uow, self.actor, self.cat, self.plan, self.summary = uow, actor, cat, plan, summary

    async def run(self) -> None:
        """The sections in the order their references need: each may name what an earlier one wrote."""
        doc = self.plan.doc
        await OrgWriter(self.uow, self.actor, self.cat, self.plan, self.summary).write()
        await ImportedAssets(self.uow, self.cat, self.plan, self.summary, actor=self.actor).write()
        partners = PartnerWriter(self.uow, self.actor, self.cat, self.summary, self.record)
        for tariff in doc.tariffs:
            await partners.tariff(tariff)
        roaming = RoamingWriter(self.uow, self.actor, self.cat, self.summary)
        for roaming_partner in doc.roaming_partners:
            await roaming.partner(roaming_partner)
        for partnership in doc.partnerships:
            await partners.partnership(partnership)
        await partners.internal_grants(doc.internal_grants)

    async def record(
        self,
        entity: str,
        entity_id: str | int,
        org_id: int | None,
        before: Any,
        after: Any,
        action: str | None = None,
    ) -> None:
        action = action or ("create" if before is None else "update")
        await self.uow.emit(
            Changed(
                actor=self.actor,
                entity=entity,
                entity_id=entity_id,
                action=action,
                org_id=org_id,
                before=before,
                after=after,
            )
        )


class ImportedAssets(FleetEntries, SiteEntries):
    """The asset sections in the order their references need: employees, vehicles, locations
    with their stations, tokens."""

    async def write(self) -> None:
        doc = self.plan.doc
        for e in doc.employees:
            await self.employee(e)
        for v in doc.vehicles:
            await self.vehicle(v)
        for loc in doc.locations:
            await self.location(loc)
        for t in doc.tokens:
            await self.token(t)
