"""Our location snapshots as OCPI 2.2.1 Location, EVSE and Connector objects (plain JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from depotshare.domain.roaming import ocpi_locations as ocpi
from depotshare.services.roaming.ocpi_locations import ConnectorSnapshot, EvseSnapshot, LocationSnapshot

# OCPI string lengths; longer values of ours are cut to fit (docs/ocpi.md).
ADDRESS_MAX, CITY_MAX, POSTAL_CODE_MAX, NAME_MAX = 45, 45, 10, 255


@dataclass(frozen=True)
class Operator:
    """The CPO: who owns every location we send."""

    country_code: str
    party_id: str


def location(loc: LocationSnapshot, operator: Operator) -> dict[str, Any]:
    out: dict[str, Any] = {
        "country_code": operator.country_code,
        "party_id": operator.party_id,
        "id": loc.key,
        "publish": loc.publish,
    }
    if not loc.publish and loc.publish_allowed_to:
        out["publish_allowed_to"] = loc.publish_allowed_to
    out.update(
        {
            "name": loc.name[:NAME_MAX],
            "address": loc.street[:ADDRESS_MAX],
            "city": loc.city[:CITY_MAX],
        }
    )
    if loc.postal_code:
        out["postal_code"] = loc.postal_code[:POSTAL_CODE_MAX]
    out.update(
        {
            "country": loc.country,
            "coordinates": {
                "latitude": ocpi.coordinate(loc.latitude),
                "longitude": ocpi.coordinate(loc.longitude),
            },
            "evses": [evse(e, operator) for e in loc.evses],
            "time_zone": loc.timezone,
            "last_updated": ocpi.timestamp(loc.last_updated),
        }
    )
    return out


def evse(e: EvseSnapshot, operator: Operator) -> dict[str, Any]:
    out: dict[str, Any] = {"uid": e.uid}
    evse_id = ocpi.emi3_evse_id(operator.country_code, operator.party_id, e.station_id, e.evse_id)
    if evse_id is not None:
        out["evse_id"] = evse_id
    out.update(
        {
            "status": e.status.value,
            "connectors": [connector(c) for c in e.connectors],
            "last_updated": ocpi.timestamp(e.last_updated),
        }
    )
    return out


def connector(c: ConnectorSnapshot) -> dict[str, Any]:
    figures = ocpi.electrical(c.standard, c.max_kw)
    out: dict[str, Any] = {
        "id": str(c.id),
        "standard": c.standard,
        "format": figures.format,
        "power_type": figures.power_type,
        "max_voltage": figures.max_voltage,
        "max_amperage": figures.max_amperage,
    }
    if figures.max_electric_power is not None:
        out["max_electric_power"] = figures.max_electric_power
    out["last_updated"] = ocpi.timestamp(c.last_updated)
    return out
