"""Facility rules: what a valid location, EVSE and connector look like (time zones, country codes,
coordinates, power figures, connector standards, unique EVSE and connector numbers)."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from depotshare.domain.common.errors import InvalidInput


class ConnectorType(enum.StrEnum):
    """OCPI 2.2.1 ConnectorType: the socket or plug standard of a connector."""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


_STANDARDS = frozenset(t.value for t in ConnectorType)

MIN_LAT, MAX_LAT = Decimal(-90), Decimal(90)
MIN_LON, MAX_LON = Decimal(-180), Decimal(180)
COORDINATE_PLACES = Decimal("0.000001")  # about 0.1 m; what OCPI and the store keep
POWER_PLACES = 2
_POWER_QUANTUM = Decimal(1).scaleb(-POWER_PLACES)
MAX_GRID_LIMIT_KW = Decimal("99999999.99")
MAX_CONNECTOR_KW = Decimal("999999.99")
# EVSE and connector numbers are OCPP integers (> 0; EVSE 0 means the whole station).
MAX_OCPP_ID = 2**31 - 1
MIN_STATION_PASSWORD = 8

_COUNTRY = re.compile(r"^[A-Z]{3}$")
# Entries of the tz database that are not real places.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@dataclass(frozen=True)
class Address:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-3, as OCPI wants it


@dataclass(frozen=True)
class Coordinates:
    lat: Decimal
    lon: Decimal


@dataclass(frozen=True)
class ConnectorSpec:
    id: int
    standard: str
    max_kw: Decimal | None = None


@dataclass(frozen=True)
class EvseSpec:
    id: int
    connectors: Sequence[ConnectorSpec] = field(default_factory=tuple)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def check_timezone(name: str, path: str = "timezone") -> str:
    """An IANA time zone name such as `Europe/Berlin`."""
    if name not in _zones():
        raise InvalidInput(path, f"{name!r} is not an IANA time zone name such as 'Europe/Berlin'")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(path, f"time zone {name!r} cannot be loaded") from None
    return name


def check_country(code: str | None, path: str = "address.country") -> str | None:
    if code is None:
        return None
    value = code.strip().upper()
    if not _COUNTRY.match(value):
        raise InvalidInput(path, "a country is an ISO 3166-1 alpha-3 code such as 'DEU'")
    return value


def check_address(address: Address, path: str = "address") -> Address:
    return Address(
        street=address.street or None,
        city=address.city or None,
        postal_code=address.postal_code or None,
        country=check_country(address.country or None, f"{path}.country"),
    )


def check_coordinates(coordinates: Coordinates | None, path: str = "coordinates") -> Coordinates | None:
    if coordinates is None:
        return None
    lat, lon = coordinates.lat, coordinates.lon
    if not (lat.is_finite() and MIN_LAT <= lat <= MAX_LAT):
        raise InvalidInput(f"{path}.lat", "a latitude lies between -90 and 90")
    if not (lon.is_finite() and MIN_LON <= lon <= MAX_LON):
        raise InvalidInput(f"{path}.lon", "a longitude lies between -180 and 180")
    return Coordinates(
        lat.quantize(COORDINATE_PLACES, ROUND_HALF_UP), lon.quantize(COORDINATE_PLACES, ROUND_HALF_UP)
    )


def check_power(value: Decimal | None, path: str, maximum: Decimal) -> Decimal | None:
    """A power figure in kW: not negative, at most `maximum`, at most two decimals."""
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value > maximum:
        raise InvalidInput(path, f"a power in kW lies between 0 and {maximum}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -POWER_PLACES:
        raise InvalidInput(path, f"a power in kW has at most {POWER_PLACES} decimals")
    return value.quantize(_POWER_QUANTUM)


def check_publishable(publish: bool, address: Address, coordinates: Coordinates | None) -> None:
    """OCPI shows a location only with an address, city, country and coordinates."""
    if not publish:
        return
    missing = [
        name
        for name, value in (
            ("address.street", address.street),
            ("address.city", address.city),
            ("address.country", address.country),
            ("coordinates", coordinates),
        )
        if value is None
    ]
    if missing:
        raise InvalidInput("publish", f"a published location needs {', '.join(missing)}")


def _check_ocpp_id(value: int, path: str, what: str) -> None:
    if not 1 <= value <= MAX_OCPP_ID:
        raise InvalidInput(path, f"{what} numbers run from 1 to {MAX_OCPP_ID}")


def check_evse(evse: EvseSpec, path: str = "") -> EvseSpec:
    """One EVSE: a positive number, at least one connector, connector numbers unique."""
    prefix = f"{path}." if path else ""
    _check_ocpp_id(evse.id, f"{prefix}id", "EVSE")
    if not evse.connectors:
        raise InvalidInput(f"{prefix}connectors", "an EVSE has at least one connector")
    seen: set[int] = set()
    connectors: list[ConnectorSpec] = []
    for i, c in enumerate(evse.connectors):
        here = f"{prefix}connectors[{i}]"
        _check_ocpp_id(c.id, f"{here}.id", "connector")
        if c.id in seen:
            raise InvalidInput(f"{here}.id", f"connector {c.id} appears twice in this EVSE")
        seen.add(c.id)
        if c.standard not in _STANDARDS:
            raise InvalidInput(f"{here}.standard", f"{c.standard!r} is not an OCPI 2.2.1 connector type")
        max_kw = check_power(c.max_kw, f"{here}.max_kw", MAX_CONNECTOR_KW)
        connectors.append(ConnectorSpec(c.id, str(c.standard), max_kw))
    return EvseSpec(evse.id, tuple(connectors))


def check_evses(evses: Sequence[EvseSpec], path: str = "evses") -> tuple[EvseSpec, ...]:
    """A station's EVSEs: each valid, EVSE numbers unique."""
    seen: set[int] = set()
    checked: list[EvseSpec] = []
    for i, evse in enumerate(evses):
        here = f"{path}[{i}]"
        if evse.id in seen:
            raise InvalidInput(f"{here}.id", f"EVSE {evse.id} appears twice on this station")
        seen.add(evse.id)
        checked.append(check_evse(evse, here))
    return tuple(checked)
