"""The import's `locations` with their `stations` (EVSEs and connectors the file omits stay),
upserted by natural key."""

from __future__ import annotations

from typing import Any

from depotshare.domain.setup.model import LocationIn, StationIn
from depotshare.domain.setup.roaming import stored_publish_tokens
from depotshare.services.setup import exporter
from depotshare.services.setup.importer_assets import AssetWriter, Columns, audit_picture
from depotshare.services.setup.importer_credentials import password_changes, set_password
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location


class SiteEntries(AssetWriter):
    async def location(self, loc: LocationIn) -> None:
        row = await self.upsert(
            "locations", "location", Location, loc, self.cat.locations, self.location_columns(loc)
        )
        for station in loc.stations:
            await self.station(row, station)

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

    # --- stations --------------------------------------------------------------------------------

    async def station(self, location: Location, entry: StationIn) -> None:
        """A station with its EVSEs and connectors; EVSEs and connectors the file omits stay."""
        row = self.cat.stations.get(entry.id)
        before = None if row is None else self.station_picture(row)
        changed = password_changed = row is None
        if row is None:
            row = ChargingStation(location_id=location.id, ocpp_id=entry.id)
            set_password(row, entry)
            self.rows.add(row)
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
        return {"location": location.key, **audit_picture(exporter.station_entry(self.cat, row))}

    async def evses(self, station: ChargingStation, entry: StationIn) -> bool:
        changed = False
        for evse in entry.evses:
            evse_row = self.cat.evses[station.id].get(evse.id)
            if evse_row is None:
                evse_row = Evse(station_id=station.id, evse_id=evse.id)
                self.rows.add(evse_row)
                await self.uow.flush()
                self.cat.add(evse_row)
                changed = True
            for c in evse.connectors:
                connector = self.cat.connectors[evse_row.id].get(c.id)
                if connector is None:
                    connector = Connector(
                        evse_pk=evse_row.id, connector_id=c.id, standard=c.standard, max_kw=c.max_kw
                    )
                    self.rows.add(connector)
                    await self.uow.flush()
                    self.cat.add(connector)
                    changed = True
                    continue
                if connector.standard != c.standard:
                    connector.standard, changed = c.standard, True
                if "max_kw" in c.model_fields_set and connector.max_kw != c.max_kw:
                    connector.max_kw, changed = c.max_kw, True
        return changed
