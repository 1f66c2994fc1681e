"""What one station's local list sync reads in its first, short transaction: the station and its
site, the access rules there, and the list and limits as last confirmed by the station."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from depotshare.domain.access.facts import SiteFacts, TokenFacts
from depotshare.domain.access.grants import Grant, PartnershipFacts
from depotshare.domain.access.local_list import Entry, ListLimits
from depotshare.services.charging import charge_facts
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.access.authorization import AccessRules
from depotshare.store.access.local_lists import LocalLists, entry_of


@dataclass
class SyncFacts:
    """What the sync reads in its first, short transaction."""

    ocpp_id: str
    protocol: str
    connected_at: datetime | None
    last_boot_at: datetime | None
    site: SiteFacts
    prefixes: list[str]  # whose tokens may be listed: the owner's and the grants' subjects
    grants: list[Grant]
    partnerships: list[PartnershipFacts]
    version: int | None
    entries: dict[str, Entry]
    limits: ListLimits
    limits_known: bool
    changes: int
    full_requested: bool
    # The candidates, read only once the station is known to keep a list: with a large fleet this
    # is the costly read, and most reconnecting stations need no change.
    tokens: list[TokenFacts] = field(default_factory=list)


async def read_facts(uow: UnitOfWork, station_pk: int) -> SyncFacts | None:
    """None when the station or its site is gone; the list's row is created on first use."""
    lists = uow.repo(LocalLists)
    station = await lists.station(station_pk)
    site = await charge_facts.site_of(uow, station_pk)
    if station is None or site is None:
        return None
    await lists.ensure(station_pk)
    row = await lists.get(station_pk)
    assert row is not None
    await lists.refresh(row)
    rules = await uow.repo(AccessRules).rules_at(site.location_id)
    prefixes = [site.org_path, *(g.subject.org_path for g in rules.grants)]
    return SyncFacts(
        ocpp_id=station.ocpp_id,
        protocol=station.protocol or "ocpp1.6",
        connected_at=station.connected_at,
        last_boot_at=station.last_boot_at,
        site=SiteFacts(site.org_path, site.timezone, location_id=site.location_id, station_id=station_pk),
        prefixes=prefixes,
        grants=rules.grants,
        partnerships=rules.partnerships,
        version=row.version,
        entries={e.id_token: e for e in map(entry_of, row.entries or [])},
        limits=ListLimits(row.enabled, row.max_entries, row.items_per_message, row.bytes_per_message),
        # Limits are read once per connection: a station may be reconfigured while away.
        limits_known=row.limits_read_at is not None and row.synced_connection_at == station.connected_at,
        changes=row.changes,
        full_requested=row.full_requested,
    )
