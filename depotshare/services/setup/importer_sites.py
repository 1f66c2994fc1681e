"""The import's `locations` with their `stations` (EVSEs and connectors the file omits stay),
upserted by natural key. The references resolve in the import's catalogue (no query per entry);
the writes are the sites capability's (apply_location, apply_station), as for the API."""

from __future__ import annotations

import dataclasses
from typing import Any

from depotshare.domain.common.actor import Actor
from depotshare.domain.setup.model import EvseIn, LocationIn, StationIn
from depotshare.domain.setup.roaming import stored_publish_tokens
from depotshare.domain.sites.assets import Address, ConnectorSpec, Coordinates, EvseSpec
from depotshare.services.setup.importer_assets import AssetWriter
from depotshare.services.setup.importer_credentials import password_changes, set_password
from depotshare.services.sites.locations import LocationSpec, apply_location, spec_of
from depotshare.services.sites.snapshots import station_snapshot
from depotshare.services.sites.stations import StationWrite, apply_station
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

EvseRows = list[tuple[Evse, list[Connector]]]


class SiteEntries(AssetWriter):
    actor: Actor  # who imports: set by importer.ImportedAssets

    async def location(self, entry: LocationIn) -> None:
        row = self.cat.locations.get(entry.key)
        before = None if row is None else self.stored_location(row)
        spec = self.location_spec(entry, before)
        loc = Location() if row is None else row
        changed = await apply_location(
            self.uow,
            self.actor,
            loc,
            spec,
            org_id=self.org_id(spec.org),
            home_employee_id=self.employee_id(spec.home_employee),
            before=before,
        )
        self.cat.add(loc)
        self.count("locations", before is None, before is not None and changed)
        for station in entry.stations:
            await self.station(loc, station)

    def stored_location(self, row: Location) -> LocationSpec:
        org = self.cat.org_key(row.org_id)
        assert org is not None
        return spec_of(row, org, self.cat.employee_key(row.home_employee_id))

    def location_spec(self, entry: LocationIn, before: LocationSpec | None) -> LocationSpec:
        """The entry over what is stored: keys the entry leaves out keep their stored value."""
        a, c = entry.address, entry.coordinates
        fields: dict[str, dict[str, Any]] = {
            "org": {"org": entry.org},
            "name": {"name": entry.name},
            "timezone": {"timezone": entry.timezone},
            "address": {"address": Address(a.street, a.city, a.postal_code, a.country) if a else Address()},
            "coordinates": {"coordinates": Coordinates(c.lat, c.lon) if c else None},
            "publish": {"publish": entry.publish},
            "publish_allowed_to": {"publish_allowed_to": stored_publish_tokens(entry.publish_allowed_to)},
            "grid_limit_kw": {"grid_limit_kw": entry.grid_limit_kw},
            "home": {
                "home": entry.home is not None,
                "home_employee": entry.home.employee if entry.home else None,
            },
            "admit_station_prefix": {"admit_station_prefix": entry.admit_station_prefix},
        }
        given = entry.model_fields_set
        wanted = {
            f: v
            for name, values in fields.items()
            if before is None or name in given
            for f, v in values.items()
        }
        if before is None:
            return LocationSpec(key=entry.key, **wanted)
        return dataclasses.replace(before, **wanted)

    # --- stations --------------------------------------------------------------------------------

    async def station(self, location: Location, entry: StationIn) -> None:
        """A station with its EVSEs and connectors; EVSEs and connectors the file omits stay."""
        row = self.cat.stations.get(entry.id)
        evses = [] if row is None else self.stored_evses(row)
        if row is None:
            row, before, password_changed = ChargingStation(ocpp_id=entry.id), None, False
            set_password(row, entry)
        else:
            stood = self.cat.location_by_id[row.location_id]
            org = self.cat.org_key(stood.org_id)
            assert org is not None
            before = station_snapshot(row, stood.key, org, evses)
            password_changed = password_changes(row, entry)
        write = StationWrite(location, merged_evses(evses, entry.evses), password_changed=password_changed)
        org = self.cat.org_key(location.org_id)
        assert org is not None
        changed, now = await apply_station(
            self.uow, self.actor, row, write, org=org, evses=evses, before=before
        )
        for added in (row, *(e for e, _ in now), *(c for _, cs in now for c in cs)):
            self.cat.add(added)
        self.count("stations", before is None, changed)

    def stored_evses(self, row: ChargingStation) -> EvseRows:
        """The station's EVSEs and connectors as the catalogue holds them, in number order."""
        evses = sorted(self.cat.evses.get(row.id, {}).values(), key=lambda e: e.evse_id)
        return [
            (e, sorted(self.cat.connectors.get(e.id, {}).values(), key=lambda c: c.connector_id))
            for e in evses
        ]


def merged_evses(stored: EvseRows, entries: list[EvseIn]) -> list[EvseSpec]:
    """The EVSEs the station is to have: the stored ones with the file's over them (a connector's
    max_kw the file leaves out keeps its stored value)."""
    evses = {
        e.evse_id: {c.connector_id: ConnectorSpec(c.connector_id, c.standard, c.max_kw) for c in cs}
        for e, cs in stored
    }
    for evse in entries:
        connectors = evses.setdefault(evse.id, {})
        for c in evse.connectors:
            old = connectors.get(c.id)
            kept = old is not None and "max_kw" not in c.model_fields_set
            connectors[c.id] = ConnectorSpec(c.id, c.standard, old.max_kw if kept and old else c.max_kw)
    return [EvseSpec(number, tuple(cs.values())) for number, cs in evses.items()]
