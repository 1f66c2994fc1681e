"""Meter readings: which samples are readings of the energy register (the one rule every Python
and SQL reader applies), and every energy figure as integer Wh, whatever unit and multiplier the
station reported, so OCPP 1.6 strings and 2.0.1 numbers compare and add up exactly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from depotshare.domain.common.errors import InvalidInput

ENERGY_REGISTER = "Energy.Active.Import.Register"
# The contexts of the readings a station takes at a transaction's start and end.
TRANSACTION_BEGIN, TRANSACTION_END = "Transaction.Begin", "Transaction.End"
# OCPP 1.6 and 2.0.1 both default an unnamed sample to the import register, in Wh.
DEFAULT_MEASURAND = ENERGY_REGISTER
_ENERGY_UNITS = {"Wh": Decimal(1), "kWh": Decimal(1000)}
# The units a register reading may carry, besides none (Wh; an empty unit is none too). 1.6 lets
# a station put any unit, e.g. kW, on an energy sample: such a sample is kept but is no reading.
REGISTER_UNITS = (*_ENERGY_UNITS, "")


def is_register_reading(measurand: str, unit: str | None, phase: str | None, signed: bool) -> bool:
    """A reading of the whole station's import register, in an energy unit. A signed sample
    carries its reading inside its signed data, not in its value. The store's SQL for readings
    is this rule on these constants (REGISTER_READING in store/charging/sessions.py)."""
    return (
        measurand == ENERGY_REGISTER
        and (unit is None or unit in REGISTER_UNITS)
        and phase is None
        and not signed
    )


@dataclass(frozen=True)
class Sample:
    """One sampled value, protocol-neutral."""

    sampled_at: datetime
    value: Decimal
    measurand: str = DEFAULT_MEASURAND
    unit: str | None = None
    multiplier: int = 0  # 2.0.1 unitOfMeasure.multiplier: value x 10^multiplier
    phase: str | None = None
    context: str | None = None
    location: str | None = None
    signed_data: str | None = None
    signing_method: str | None = None
    public_key: str | None = None

    @property
    def is_register_reading(self) -> bool:
        return is_register_reading(self.measurand, self.unit, self.phase, self.signed_data is not None)


def parse_value(raw: str | int | float | Decimal, path: str = "value") -> Decimal:
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except InvalidOperation:
        raise InvalidInput(path, f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise InvalidInput(path, f"not a finite number: {raw!r}")
    return value


def to_wh(value: Decimal, unit: str | None, multiplier: int = 0) -> int:
    """An energy reading in whole Wh (half up). Unit None means Wh, as both protocols default."""
    factor = _ENERGY_UNITS.get(unit or "Wh")
    if factor is None:
        raise InvalidInput("unit", f"{unit!r} is not an energy unit (Wh or kWh)")
    scaled = value * factor * (Decimal(10) ** multiplier)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Reading:
    """A reading of the energy register in Wh at the station's time, with the context the station
    took it in (Transaction.Begin, Sample.Periodic, Transaction.End, ...)."""

    at: datetime
    wh: int
    context: str | None = None


def readings(samples: Iterable[Sample]) -> list[Reading]:
    """The register readings among samples, in Wh, in time order."""
    return [
        Reading(s.sampled_at, to_wh(s.value, s.unit, s.multiplier), s.context)
        for s in register_readings(samples)
    ]


def register_readings(samples: Iterable[Sample]) -> list[Sample]:
    """The register readings among samples, in time order."""
    return sorted((s for s in samples if s.is_register_reading), key=lambda s: s.sampled_at)


def register_wh(samples: Iterable[Sample]) -> int | None:
    """The last register reading among samples, in Wh, if any."""
    readings = [s for s in samples if s.is_register_reading]
    if not readings:
        return None
    last = max(readings, key=lambda s: s.sampled_at)
    return to_wh(last.value, last.unit, last.multiplier)
