"""What the audit log keeps of a location, a station and an EVSE: one shape per thing, the same
whether the API or the import wrote it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from depotshare.store.sites.models import ChargingStation, Connector, Evse

if TYPE_CHECKING:
    from depotshare.services.sites.locations import LocationSpec


def jsonable(value: Any) -> Any:
    """Decimals as strings, dataclasses as dicts, times in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def location_snapshot(spec: LocationSpec) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(spec)
    employee = data.pop("home_employee")
    data["home"] = {"employee": employee} if spec.home else None
    return data


def evse_snapshot(evse: Evse, connectors: Sequence[Connector]) -> dict[str, Any]:
    return {
        "id": evse.evse_id,
        "connectors": [
            {"id": c.connector_id, "standard": c.standard, "max_kw": jsonable(c.max_kw)} for c in connectors
        ],
    }


def station_snapshot(
    station: ChargingStation, location: str, org: str, evses: Sequence[tuple[Evse, Sequence[Connector]]]
) -> dict[str, Any]:
    """Never the password nor its hash; not the live state the gateway keeps (not anyone's change)."""
    return {
        "id": station.ocpp_id,
        "location": location,
        "org": org,
        "vendor": station.vendor,
        "model": station.model,
        "serial_number": station.serial_number,
        "firmware_version": station.firmware_version,
        "has_password": station.password_hash is not None,
        "evses": [evse_snapshot(e, cs) for e, cs in evses],
        "registration_status": station.registration_status,
    }
