"""How our facility data reads as OCPI 2.2.1 Location objects: EVSE status from what the station
last reported, the electrical figures a connector standard implies, coordinates and timestamps in
OCPI's text forms. Pure rules: no I/O."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from depotshare.domain.common.errors import InvalidInput

VERSION = "2.2.1"


class EvseStatus(enum.StrEnum):
    """OCPI 2.2.1 Status of an EVSE."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


# OCPP 1.6 ChargePointStatus and 2.0.1 ConnectorStatus -> OCPI.
_FROM_OCPP = {
    "Available": EvseStatus.AVAILABLE,
    "Preparing": EvseStatus.CHARGING,  # a vehicle is plugged in or a driver authorised: in use
    "Charging": EvseStatus.CHARGING,
    "SuspendedEV": EvseStatus.CHARGING,
    "SuspendedEVSE": EvseStatus.CHARGING,
    "Finishing": EvseStatus.CHARGING,
    "Occupied": EvseStatus.CHARGING,
    "Reserved": EvseStatus.RESERVED,
    "Unavailable": EvseStatus.INOPERATIVE,
    "Faulted": EvseStatus.OUTOFORDER,
}
# When the connectors of one EVSE disagree, the first of these wins: in use beats reserved beats
# free; a broken connector beside a free one leaves the EVSE usable.
_PRECEDENCE = (
    EvseStatus.CHARGING,
    EvseStatus.RESERVED,
    EvseStatus.AVAILABLE,
    EvseStatus.INOPERATIVE,
    EvseStatus.OUTOFORDER,
)


def evse_status(online: bool, station: str | None, connectors: Iterable[str | None]) -> EvseStatus:
    """The OCPI status of one EVSE: UNKNOWN while the station is offline or has reported nothing;
    a whole station reported Unavailable or Faulted (OCPP connector 0) takes its free EVSEs with it."""
    if not online:
        return EvseStatus.UNKNOWN
    mapped = {_FROM_OCPP[s] for s in connectors if s in _FROM_OCPP}
    status = next((s for s in _PRECEDENCE if s in mapped), EvseStatus.UNKNOWN)
    whole = _FROM_OCPP.get(station or "")
    if whole in (EvseStatus.INOPERATIVE, EvseStatus.OUTOFORDER) and status is not EvseStatus.CHARGING:
        return whole
    return status


@dataclass(frozen=True)
class Electrical:
    """What OCPI wants to know of a connector beyond its standard."""

    format: str  # ConnectorFormat: SOCKET | CABLE
    power_type: str  # AC_1_PHASE | AC_2_PHASE | AC_2_PHASE_SPLIT | AC_3_PHASE | DC
    max_voltage: int  # V, line to neutral for AC_3_PHASE
    max_amperage: int  # A
    max_electric_power: int | None  # W


# (format, power type, voltage, amperage when no power is known) per ConnectorType.
_SOCKET, _CABLE = "SOCKET", "CABLE"
_AC1, _AC3, _SPLIT, _DC = "AC_1_PHASE", "AC_3_PHASE", "AC_2_PHASE_SPLIT", "DC"
_STANDARDS: dict[str, tuple[str, str, int, int]] = {
    "CHADEMO": (_CABLE, _DC, 500, 125),
    "CHAOJI": (_CABLE, _DC, 1000, 500),
    "DOMESTIC_A": (_SOCKET, _AC1, 120, 15),
    "DOMESTIC_B": (_SOCKET, _AC1, 120, 15),
    "GBT_AC": (_SOCKET, _AC3, 230, 32),
    "GBT_DC": (_CABLE, _DC, 750, 250),
    "IEC_60309_2_single_16": (_SOCKET, _AC1, 230, 16),
    "IEC_60309_2_three_16": (_SOCKET, _AC3, 230, 16),
    "IEC_60309_2_three_32": (_SOCKET, _AC3, 230, 32),
    "IEC_60309_2_three_64": (_SOCKET, _AC3, 230, 64),
    "IEC_62196_T1": (_CABLE, _AC1, 230, 32),
    "IEC_62196_T1_COMBO": (_CABLE, _DC, 920, 200),
    "IEC_62196_T2": (_SOCKET, _AC3, 230, 32),
    "IEC_62196_T2_COMBO": (_CABLE, _DC, 920, 200),
    "IEC_62196_T3A": (_SOCKET, _AC1, 230, 16),
    "IEC_62196_T3C": (_SOCKET, _AC3, 230, 32),
    "NEMA_5_20": (_SOCKET, _AC1, 120, 20),
    "NEMA_6_30": (_SOCKET, _AC1, 240, 30),
    "NEMA_6_50": (_SOCKET, _AC1, 240, 50),
    "NEMA_10_30": (_SOCKET, _SPLIT, 120, 30),
    "NEMA_10_50": (_SOCKET, _SPLIT, 120, 50),
    "NEMA_14_30": (_SOCKET, _SPLIT, 120, 30),
    "NEMA_14_50": (_SOCKET, _SPLIT, 120, 50),
    "PANTOGRAPH_BOTTOM_UP": (_CABLE, _DC, 750, 800),
    "PANTOGRAPH_TOP_DOWN": (_CABLE, _DC, 750, 800),
    "TESLA_R": (_CABLE, _AC1, 240, 70),
    "TESLA_S": (_CABLE, _DC, 400, 300),
}
_DOMESTIC = (_SOCKET, _AC1, 230, 16)  # the European domestic plugs, DOMESTIC_C ... DOMESTIC_O
_CONDUCTORS = {_AC1: 1, "AC_2_PHASE": 2, _SPLIT: 2, _AC3: 3, _DC: 1}


def electrical(standard: str, max_kw: Decimal | None) -> Electrical:
    """Format, power type and voltage follow from the standard; the amperage from the
    connector's max_kw where we know it (rounded up), otherwise the standard's usual rating."""
    fmt, power_type, voltage, amperage = _STANDARDS.get(standard, _DOMESTIC)
    watts = int((max_kw * 1000).to_integral_value(ROUND_HALF_UP)) if max_kw is not None else None
    if watts:
        amperage = max(1, math.ceil(watts / (voltage * _CONDUCTORS[power_type])))
    return Electrical(fmt, power_type, voltage, amperage, watts)


def coordinate(value: Decimal) -> str:
    """OCPI GeoLocation text: at least five and at most seven decimals; we keep six."""
    return format(value.quantize(Decimal("0.000001"), ROUND_HALF_UP), "f")


def timestamp(value: datetime) -> str:
    """OCPI DateTime: UTC, RFC 3339 with Z, whole seconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str, path: str) -> datetime:
    """An OCPI DateTime parameter; without a zone designator it is UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(path, "expected an RFC 3339 date-time such as 2026-01-31T12:00:00Z") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_EMI3_OUTLET = re.compile(r"[^A-Z0-9]")


def emi3_evse_id(country_code: str, party_id: str, station: str, evse: int) -> str | None:
    """An eMI3 EVSE ID (`DE*DPS*EHH01*1`): the station id upper-cased without the characters
    eMI3 does not allow, then the EVSE number. None when nothing of the station id is left or the
    result is longer than OCPI's 48 characters."""
    outlet = _EMI3_OUTLET.sub("", station.upper())
    value = f"{country_code}*{party_id}*E{outlet}*{evse}"
    return value if outlet and len(value) <= 48 else None
