"""Meter values as stations report them, for both OCPP versions: each sample stored once (a message
sent again after a lost answer stores nothing twice), its register readings given to the session it
belongs to, which decides what they mean (domain/charging/sessions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from depotshare.domain.charging.meter import Sample, readings
from depotshare.domain.common.errors import InvalidInput
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.charging.meter_readings import MeterReadings
from depotshare.store.charging.sessions import Sessions, Span

# What the value column holds (Numeric(24, 6)), checked up front so an absurd reading is the
# station's InvalidInput, not our failed insert.
MAX_SAMPLE = Decimal(10) ** 18

_SAMPLE_FIELDS = (
    "sampled_at",
    "measurand",
    "phase",
    "unit",
    "multiplier",
    "context",
    "location",
    "value",
    "signed_data",
    "signing_method",
    "public_key",
)
# What a station reported of a sample: the same in all of these, for the same session (or the
# station outside any session), is the same sample. The value too: another value for the same
# instant is kept beside the first, never dropped. Checked here, not by a unique index: the
# nullable columns (phase, context, ...) would compare as distinct NULLs there.
_KEY_COLUMNS = ("evse_id", "connector_id", *_SAMPLE_FIELDS)
_VALUE_SCALE = Decimal("0.000001")  # the value column's: a stored value reads back at this scale


async def meter_values(
    uow: UnitOfWork,
    station_id: int,
    samples: Sequence[Sample],
    *,
    transaction_id: str | None = None,
    evse_id: int | None = None,
    connector_id: int | None = None,
) -> None:
    """Samples, attached to their session when the transaction is known, else to the station."""
    check_samples(samples)
    sessions = uow.repo(Sessions)
    stored = None
    if transaction_id:
        stored = await sessions.find(station_id, [transaction_id], readings=span_of(samples))
    await store_samples(uow, station_id, stored.id if stored else None, samples, evse_id, connector_id)
    if stored is not None:
        await sessions.save(stored, stored.charging.record(readings(samples)))
    await uow.commit()


def check_samples(samples: Sequence[Sample]) -> None:
    for i, sample in enumerate(samples):
        if abs(sample.value) >= MAX_SAMPLE:
            raise InvalidInput(f"samples[{i}].value", f"{sample.value} is beyond any meter")


def span_of(samples: Sequence[Sample]) -> Span | None:
    """The time span of the register readings among samples: what a session's rules need to see
    of its stored readings to take these in (None: there are none, it needs to see nothing)."""
    times = [r.at for r in readings(samples)]
    return (min(times), max(times)) if times else None


async def store_samples(
    uow: UnitOfWork,
    station_id: int,
    session_id: int | None,
    samples: Sequence[Sample],
    evse_id: int | None = None,
    connector_id: int | None = None,
) -> None:
    """Store sampled values of a session (None: of the station) in one multi-row insert, skipping
    those it has already: read in one query over the samples' time span."""
    check_samples(samples)
    if not samples:
        return
    rows = [{"evse_id": evse_id, "connector_id": connector_id, **_fields(s)} for s in samples]
    times = [s.sampled_at for s in samples]
    meter_readings = uow.repo(MeterReadings)
    stored = await meter_readings.between(station_id, session_id, min(times), max(times), _KEY_COLUMNS)
    known = {_key(dict(zip(_KEY_COLUMNS, values, strict=True))) for values in stored}
    owner = {"session_id": session_id, "station_id": station_id}
    await meter_readings.insert_rows([{**owner, **row} for row in rows if _key(row) not in known])


def _fields(sample: Sample) -> dict[str, Any]:
    return {k: getattr(sample, k) for k in _SAMPLE_FIELDS}


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        row[c].quantize(_VALUE_SCALE, ROUND_HALF_UP) if c == "value" else row[c] for c in _KEY_COLUMNS
    )
