"""Charging sessions over 1.6: the life cycle with meter values (Wh, kWh, signed data), the frozen
attribution, and the rules that keep anything from being lost or counted twice: retried starts,
replayed stops, orphans, stop below start, meter running backwards, reboots, offline queues."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from ocpp.exceptions import InternalError
from ocpp.v16 import call
from sqlalchemy import func, select

from depotshare.domain.charging.sessions import ChargingSession as ChargingSessionRules
from depotshare.domain.orgs.roles import Role
from depotshare.services.fleet import cost_centres, employees, tokens, vehicles
from depotshare.services.fleet.tokens import TokenPatch
from depotshare.store.charging.models import ChargingSession, MeterValue
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation
from tests.ocpp.conftest import CARD, PARTNER, Served, Station16, station16
from tests.support.helpers import SYSTEM, login, make_user

OCMF = 'OCMF|{"FV":"1.0","GI":"ABB","RD":[{"TM":"2026-03-01T11:00:00,000+0000 S","RV":4.2,"RU":"kWh"}]}|{"SD":"3045"}'


def _sv(value: str, **kw: str) -> dict[str, str]:
    return {"value": value, **kw}


def _mv(at: str, *values: dict[str, str]) -> dict[str, Any]:
    return {"timestamp": at, "sampledValue": list(values)}


def _start(at: str = "2026-03-01T10:00:00Z", meter: int = 1000, tag: str = CARD) -> call.StartTransaction:
    return call.StartTransaction(connector_id=1, id_tag=tag, meter_start=meter, timestamp=at)


async def _session(served: Served, transaction_id: str | int) -> ChargingSession:
    async with served.runtime.uow() as uow:
        row = await uow.session.scalar(
            select(ChargingSession).where(ChargingSession.transaction_id == str(transaction_id))
        )
        assert row is not None
        uow.session.expunge(row)
        return row


async def _count(served: Served, model: Any) -> int:
    async with served.runtime.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(model)) or 0


async def _meter(cp: Station16, tx: int | None, *values: dict[str, Any]) -> None:
    await cp.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=list(values)))


async def test_life_cycle_with_meter_values(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        start = await cp.call(_start(meter=1000))
        tx = start.transaction_id
        await _meter(
            cp,
            tx,
            _mv(
                "2026-03-01T10:15:00Z",
                _sv("2000", context="Sample.Periodic"),
                _sv("11000", measurand="Power.Active.Import", unit="W"),
                _sv("230.1", measurand="Voltage", phase="L1-N", unit="V", location="Outlet"),
            ),
        )
        await _meter(
            cp,
            tx,
            _mv("2026-03-01T10:30:00Z", _sv("3.5", measurand="Energy.Active.Import.Register", unit="kWh")),
        )
        stop = call.StopTransaction(
            meter_stop=4200,
            timestamp="2026-03-01T11:00:00Z",
            transaction_id=tx,
            reason="EVDisconnected",
            id_tag=CARD,
            transaction_data=[
                _mv("2026-03-01T11:00:00Z", _sv("4.2", unit="kWh", context="Transaction.End")),
                _mv("2026-03-01T11:00:00Z", _sv(OCMF, format="SignedData", context="Transaction.End")),
            ],
        )
        assert (await cp.call(stop)).id_tag_info["status"] == "Accepted"
    row = await _session(served, tx)
    assert (row.state, row.meter_start_wh, row.meter_stop_wh, row.energy_wh) == (
        "completed",
        1000,
        4200,
        3200,
    )
    assert (row.stop_reason, row.flags, row.flagged, row.auth_status) == (
        "EVDisconnected",
        [],
        False,
        "Accepted",
    )
    assert (row.evse_id, row.connector_id, row.protocol, row.id_token) == (1, 1, "ocpp1.6", CARD)
    assert row.started_at is not None and row.started_at.isoformat() == "2026-03-01T10:00:00+00:00"
    async with served.runtime.uow() as uow:
        samples = (
            await uow.session.scalars(select(MeterValue).order_by(MeterValue.sampled_at, MeterValue.id))
        ).all()
        got = [(s.measurand, s.value, s.unit, s.phase, s.context, s.location, s.session_id) for s in samples]
        signed = [s.signed_data for s in samples if s.signed_data]
    register = "Energy.Active.Import.Register"
    assert got == [
        (register, Decimal(2000), None, None, "Sample.Periodic", None, row.id),
        ("Power.Active.Import", Decimal(11000), "W", None, None, None, row.id),
        ("Voltage", Decimal("230.1"), "V", "L1-N", None, "Outlet", row.id),
        (register, Decimal("3.5"), "kWh", None, None, None, row.id),
        (register, Decimal("4.2"), "kWh", None, "Transaction.End", None, row.id),
        (register, Decimal(0), None, None, "Transaction.End", None, row.id),
    ]
    assert signed == [OCMF]


async def test_attribution_frozen_at_start(served: Served, depot: None) -> None:
    async with served.runtime.uow() as uow:
        await cost_centres.create_cost_centre(uow, SYSTEM, org="acme-north", code="CC-100", name="Trucks")
    async with served.runtime.uow() as uow:
        await employees.create_employee(
            uow, SYSTEM, key="emp-1", org="acme-north", name="Jane", cost_centre="CC-100"
        )
    async with served.runtime.uow() as uow:
        await vehicles.create_vehicle(uow, SYSTEM, key="truck-17", org="acme-north", plate="HH-AC-17")
    async with served.runtime.uow() as uow:
        patch = TokenPatch(frozenset({"employee", "vehicle"}), employee="emp-1", vehicle="truck-17")
        await tokens.update_token(uow, SYSTEM, CARD, patch)
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start())).transaction_id
    async with served.runtime.uow() as uow:  # later changes do not follow into the session
        await tokens.update_token(uow, SYSTEM, CARD, TokenPatch(frozenset({"employee", "vehicle"})))
    row = await _session(served, tx)
    async with served.runtime.uow() as uow:
        ids = {
            "owner": await uow.session.scalar(
                select(Organisation.id).where(Organisation.key == "acme-north")
            ),
            "employee": await uow.session.scalar(select(Employee.id)),
            "vehicle": await uow.session.scalar(select(Vehicle.id)),
            "cost_centre": await uow.session.scalar(select(CostCentre.id)),
            "token": await uow.session.scalar(select(Token.id).where(Token.uid == CARD)),
        }
    assert (row.owner_org_id, row.token_org_id, row.token_id) == (ids["owner"], ids["owner"], ids["token"])
    assert (row.employee_id, row.vehicle_id, row.cost_centre_id) == (
        ids["employee"],
        ids["vehicle"],
        ids["cost_centre"],
    )


async def test_retried_start_returns_same_transaction(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        first = await cp.call(_start())
        again = await cp.call(_start())
        other = await cp.call(_start(at="2026-03-01T10:00:01Z"))
    assert first.transaction_id == again.transaction_id != other.transaction_id
    assert again.id_tag_info["status"] == "Accepted"
    assert await _count(served, ChargingSession) == 2


async def test_replayed_stop_changes_nothing(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start())).transaction_id
        data = [_mv("2026-03-01T11:00:00Z", _sv("5000", context="Transaction.End"))]
        stop = call.StopTransaction(
            meter_stop=5000, timestamp="2026-03-01T11:00:00Z", transaction_id=tx, transaction_data=data
        )
        await cp.call(stop)
        before = await _session(served, tx)
        await cp.call(stop)
        await cp.call(
            call.StopTransaction(meter_stop=9000, timestamp="2026-03-01T12:00:00Z", transaction_id=tx)
        )
    after = await _session(served, tx)
    assert (after.meter_stop_wh, after.energy_wh, after.stopped_at, after.updated_at) == (
        5000,
        4000,
        before.stopped_at,
        before.updated_at,
    )
    assert await _count(served, MeterValue) == 1


async def test_stop_for_unknown_transaction_is_an_orphan(served: Served, depot: None) -> None:
    data = [
        _mv("2026-03-01T08:00:00Z", _sv("700", context="Transaction.Begin")),
        _mv("2026-03-01T09:00:00Z", _sv("1900", context="Transaction.End")),
    ]
    stop = call.StopTransaction(
        meter_stop=1900,
        timestamp="2026-03-01T09:00:00Z",
        transaction_id=9999,
        id_tag=CARD,
        transaction_data=data,
    )
    async with station16(served, "HH-02") as cp:
        assert (await cp.call(stop)).id_tag_info["status"] == "Accepted"
        await cp.call(stop)  # replayed: still one orphan
    row = await _session(served, "orphan:9999")
    assert (row.state, row.flags, row.flagged) == ("orphan", ["orphan"], True)
    assert (row.meter_start_wh, row.meter_stop_wh, row.energy_wh) == (700, 1900, 1200)
    assert await _count(served, ChargingSession) == 1
    assert await _count(served, MeterValue) == 2


async def test_stop_below_start_is_flagged_without_energy(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=5000))).transaction_id
        await cp.call(
            call.StopTransaction(meter_stop=4000, timestamp="2026-03-01T11:00:00Z", transaction_id=tx)
        )
    row = await _session(served, tx)
    assert (row.flags, row.flagged, row.energy_wh, row.meter_stop_wh) == (
        ["stop_below_start"],
        True,
        None,
        4000,
    )


async def test_meter_running_backwards_is_flagged(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=1000))).transaction_id
        await _meter(cp, tx, _mv("2026-03-01T10:10:00Z", _sv("3000")))
        await _meter(cp, tx, _mv("2026-03-01T10:20:00Z", _sv("2.5", unit="kWh")))
        await cp.call(
            call.StopTransaction(meter_stop=4000, timestamp="2026-03-01T11:00:00Z", transaction_id=tx)
        )
    row = await _session(served, tx)
    assert (row.flags, row.flagged, row.energy_wh) == (["meter_backwards"], True, 3000)


async def test_reboot_closes_open_sessions(served: Served, depot: None) -> None:
    boot = call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB")
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=1000))).transaction_id
        await _meter(cp, tx, _mv("2026-03-01T10:10:00Z", _sv("2500")))
        await cp.call(boot)
        row = await _session(served, tx)
        assert (row.state, row.stop_reason, row.flags) == (
            "completed",
            "Reboot",
            ["missing_stop", "closed_on_reboot"],
        )
        assert (row.meter_stop_wh, row.energy_wh) == (2500, 1500)
        assert row.stopped_at is not None and row.stopped_at.isoformat() == "2026-03-01T10:10:00+00:00"
        # The stop the station queued before it rebooted still arrives: it completes the session.
        await cp.call(
            call.StopTransaction(meter_stop=2800, timestamp="2026-03-01T10:12:00Z", transaction_id=tx)
        )
    row = await _session(served, tx)
    assert (row.stop_reason, row.meter_stop_wh, row.energy_wh, row.flags) == (
        "Local",
        2800,
        1800,
        ["closed_on_reboot"],
    )


async def test_offline_queued_messages_stored_at_their_own_time(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(at="2025-12-31T23:30:00+01:00", meter=100))).transaction_id
        await _meter(cp, tx, _mv("2025-12-31T23:45:00Z", _sv("600")))
        await cp.call(
            call.StopTransaction(meter_stop=900, timestamp="2026-01-01T00:30:00Z", transaction_id=tx)
        )
    row = await _session(served, tx)
    assert row.started_at is not None and row.stopped_at is not None
    assert (row.started_at.isoformat(), row.stopped_at.isoformat()) == (
        "2025-12-31T22:30:00+00:00",
        "2026-01-01T00:30:00+00:00",
    )
    async with served.runtime.uow() as uow:
        sampled = await uow.session.scalar(select(MeterValue.sampled_at))
    assert sampled is not None and sampled.isoformat() == "2025-12-31T23:45:00+00:00"


async def test_refused_token_still_opens_a_flagged_session(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        start = await cp.call(_start(tag=PARTNER))
    assert start.id_tag_info["status"] == "Invalid"
    row = await _session(served, start.transaction_id)
    assert (row.state, row.flags, row.flagged) == ("active", ["unauthorised"], True)
    assert (row.auth_status, row.auth_reason) == ("NotAtThisLocation", "not allowed at this location")


async def test_meter_values_outside_a_transaction_belong_to_the_station(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        await _meter(cp, None, _mv("2026-03-01T10:00:00Z", _sv("123456")))
        await _meter(cp, 4242, _mv("2026-03-01T10:01:00Z", _sv("123457")))  # unknown transaction
    async with served.runtime.uow() as uow:
        rows = (await uow.session.execute(select(MeterValue.session_id, MeterValue.evse_id))).all()
    assert [tuple(r) for r in rows] == [(None, 1), (None, 1)]


async def test_failure_midway_writes_nothing(
    served: Served, depot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=1000))).transaction_id

        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the disk is full")

        # The transaction data is written before the session is closed: the failure must undo it.
        monkeypatch.setattr(ChargingSessionRules, "end", broken)
        stop = call.StopTransaction(
            meter_stop=2000,
            timestamp="2026-03-01T11:00:00Z",
            transaction_id=tx,
            transaction_data=[_mv("2026-03-01T11:00:00Z", _sv("2000", context="Transaction.End"))],
        )
        with pytest.raises(InternalError):
            await cp.call(stop, suppress=False)
        monkeypatch.undo()
        row = await _session(served, tx)
        assert (row.state, row.meter_stop_wh) == ("active", None)
        assert await _count(served, MeterValue) == 0
        await cp.call(stop)  # the station retries: now it lands, once
    row = await _session(served, tx)
    assert (row.state, row.energy_wh) == ("completed", 1000)
    assert await _count(served, MeterValue) == 1


async def test_register_sample_in_a_power_unit_is_kept_but_never_read(served: Served, depot: None) -> None:
    # No measurand means the import register, but 1.6 lets the unit say kW: such a sample is
    # stored as reported, yet no energy figure is taken from it and no later message trips on it.
    boot = call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB")
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=1000))).transaction_id
        await _meter(cp, tx, _mv("2026-03-01T10:10:00Z", _sv("2000")))
        await _meter(cp, tx, _mv("2026-03-01T10:20:00Z", _sv("11", unit="kW")))
        mv = call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[_mv("2026-03-01T10:30:00Z", _sv("2.5", unit="kWh"))],
        )
        await cp.call(mv, suppress=False)
        await _meter(cp, tx, _mv("2026-03-01T10:40:00Z", _sv("12", unit="kW")))  # the latest sample
        assert (await cp.call(boot, suppress=False)).status == "Accepted"
        closed = await _session(served, tx)
        stop = call.StopTransaction(meter_stop=3000, timestamp="2026-03-01T10:45:00Z", transaction_id=tx)
        await cp.call(stop, suppress=False)
    assert (closed.state, closed.stop_reason, closed.meter_stop_wh, closed.energy_wh) == (
        "completed",
        "Reboot",
        2500,
        1500,
    )
    assert closed.stopped_at is not None and closed.stopped_at.isoformat() == "2026-03-01T10:30:00+00:00"
    assert closed.flags == ["missing_stop", "closed_on_reboot"]
    row = await _session(served, tx)
    assert (row.state, row.meter_stop_wh, row.energy_wh, row.flags) == (
        "completed",
        3000,
        2000,
        ["closed_on_reboot"],
    )
    async with served.runtime.uow() as uow:
        units = (await uow.session.scalars(select(MeterValue.unit).order_by(MeterValue.sampled_at))).all()
    assert units == [None, "kW", "kWh", "kW"]


async def test_replayed_meter_values_store_nothing_twice(
    served: Served, depot: None, client: AsyncClient
) -> None:
    await make_user(served.runtime, "ops@example.com", (Role.PLATFORM_ADMIN, None))
    ops = await login(client, "ops@example.com")
    periodic = _mv(
        "2026-03-01T10:15:00Z",
        _sv("2000", context="Sample.Periodic"),
        _sv("11000", measurand="Power.Active.Import", unit="W"),
        _sv("230.1", measurand="Voltage", phase="L1-N", unit="V", location="Outlet"),
    )
    signed = _mv("2026-03-01T10:15:00Z", _sv(OCMF, format="SignedData", context="Sample.Periodic"))
    clock = _mv("2026-03-01T10:00:00Z", _sv("123456", context="Sample.Clock"))
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=1000))).transaction_id
        await _meter(cp, tx, periodic, signed)
        await _meter(cp, None, clock)  # the station's own, outside the transaction
        url = f"/api/v1/sessions/{(await _session(served, tx)).id}/meter-values"
        once = await client.get(url, headers=ops)
        stored_once = await _count(served, MeterValue)
        # The answers were lost: the station sends both messages again, exactly as before.
        await _meter(cp, tx, periodic, signed)
        await _meter(cp, None, clock)
        twice = await client.get(url, headers=ops)
    assert once.status_code == twice.status_code == 200, twice.text
    assert twice.json() == once.json()
    assert [v["measurand"] for v in once.json()["items"]] == [
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "Voltage",
        "Energy.Active.Import.Register",
    ]
    assert await _count(served, MeterValue) == stored_once == 5


async def test_retried_start_is_answered_as_the_first(served: Served, depot: None) -> None:
    # CARD has a valid_until and a group: the first answer carries expiryDate and parentIdTag.
    async with station16(served, "HH-02") as cp:
        first = await cp.call(_start(), suppress=False)
        again = await cp.call(_start(), suppress=False)  # the first answer was lost
    assert first.id_tag_info["status"] == "Accepted"
    assert first.id_tag_info["parent_id_tag"] == "ACME-FLEET"
    assert first.id_tag_info["expiry_date"] is not None
    assert again.transaction_id == first.transaction_id
    for field in ("status", "expiry_date", "parent_id_tag"):
        assert again.id_tag_info.get(field) == first.id_tag_info.get(field), field
    assert again.id_tag_info == first.id_tag_info


async def test_a_reading_above_a_later_one_is_flagged_whichever_arrives_first(
    served: Served, depot: None
) -> None:
    # The station's queue delivers the 10:20 reading before the 10:10 one: the meter still ran
    # backwards (4000 at 10:10, then 3000 at 10:20), which a check against the reading before the
    # late one alone (1000, the start) missed.
    async with station16(served, "HH-02") as cp:
        tx = (await cp.call(_start(meter=1000))).transaction_id
        await _meter(cp, tx, _mv("2026-03-01T10:20:00Z", _sv("3000")))
        await _meter(cp, tx, _mv("2026-03-01T10:10:00Z", _sv("4000")))
    row = await _session(served, tx)
    assert (row.flags, row.flagged) == (["meter_backwards"], True)
