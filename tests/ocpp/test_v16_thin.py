"""The thin path: a 1.6 station boots, heartbeats, charges and stops over a real websocket, and
everything lands in the database before the answers come back."""

from __future__ import annotations

from ocpp.v16 import call
from sqlalchemy import select

from depotshare.store.charging.models import ChargingSession
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import CARD, STATION_PASSWORD, Served, station16


async def test_boot_heartbeat_start_stop(served: Served, depot: None) -> None:
    async with station16(served, "HH-01", password=STATION_PASSWORD) as cp:
        boot = await cp.call(call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB"))
        assert boot.status == "Accepted" and boot.interval == 300
        await cp.call(call.Heartbeat())
        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=CARD, meter_start=1000, timestamp="2026-03-01T10:00:00Z"
            )
        )
        assert start.id_tag_info["status"] == "Accepted"
        stop = await cp.call(
            call.StopTransaction(
                meter_stop=13500, timestamp="2026-03-01T11:00:00Z", transaction_id=start.transaction_id
            )
        )
        assert stop.id_tag_info is None
    async with served.runtime.uow() as uow:
        row = await uow.session.scalar(select(ChargingSession))
        station = await uow.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == "HH-01"))
        assert row is not None and station is not None
        assert row.transaction_id == str(start.transaction_id) == str(row.id)
        assert (row.state, row.energy_wh, row.flags) == ("completed", 12500, [])
        assert station.vendor == "ABB" and station.model == "Terra" and station.last_boot_at is not None
