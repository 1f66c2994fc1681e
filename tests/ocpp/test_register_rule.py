"""The rule for what counts as an energy register reading is written once in the domain
(meter.is_register_reading) and once as SQL on the same constants (store/charging/sessions.py
REGISTER_READING, which the session's readings query applies):
every kind of sample a station can send is stored, and the SQL must pick exactly the samples
the domain rule picks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from depotshare.domain.charging.meter import ENERGY_REGISTER, Sample
from depotshare.services.charging import recording as sessions
from depotshare.services.charging.recording import StartRequest
from depotshare.services.runtime import Runtime
from depotshare.store.charging.sessions import Sessions
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import CARD

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
MEASURANDS = (ENERGY_REGISTER, "Energy.Active.Export.Register", "Power.Active.Import")
UNITS = (None, "", "Wh", "kWh", "kW", "W", "kvarh")
PHASES = (None, "L1", "L1-N")
SIGNED = (None, "OCMF|{}|{}")


def _every_kind() -> list[Sample]:
    kinds = itertools.product(MEASURANDS, UNITS, PHASES, SIGNED)
    return [
        Sample(T0 + timedelta(minutes=i), Decimal(i), measurand=m, unit=u, phase=p, signed_data=s)
        for i, (m, u, p, s) in enumerate(kinds, start=1)
    ]


async def test_stored_readings_are_the_domain_rules_readings(runtime: Runtime, depot: None) -> None:
    samples = _every_kind()
    async with runtime.uow() as uow:
        station = await uow.session.scalar(
            select(ChargingStation.id).where(ChargingStation.ocpp_id == "HH-02")
        )
        assert station is not None
        req = StartRequest(1, 1, CARD, None, 0, T0)
        started = await sessions.start_session(uow, station, "ocpp1.6", req)
    async with runtime.uow() as uow:
        await sessions.meter_values(uow, station, samples, transaction_id=started.transaction_id)
    expected = [s.sampled_at for s in samples if s.is_register_reading]
    async with runtime.uow() as uow:
        found = await uow.repo(Sessions).register_readings([started.session_id])
        stored = [(r.at, r.wh) for r in found[started.session_id]]
        # Around a span: the last reading before it, those within, the first after.
        span = (expected[-1], expected[-1])
        around = await uow.repo(Sessions).register_readings([started.session_id], around=span)
        last = (around[started.session_id][-1].at,)
        before = (around[started.session_id][0].at,)
    assert [at for at, *_ in stored] == expected
    assert len(expected) == 4  # no unit, an empty one, Wh, kWh: unsigned whole-station import
    assert last is not None and last[0] == expected[-1]
    assert before is not None and before[0] == expected[-2]
