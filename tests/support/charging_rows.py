"""Rows that only stations write (sessions, meter values, connector status), inserted directly
through the store so that the read side can be tested without a gateway in the loop."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from depotshare.services.runtime import Runtime
from depotshare.store.access.models import AccessDecision
from depotshare.store.charging.models import ChargingSession, ConnectorStatus, MeterValue, StatusEvent
from depotshare.store.fleet.models import CostCentre, Employee, Token, Vehicle
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Location

_transactions = itertools.count(1)


async def id_of(runtime: Runtime, model: Any, column: str, value: str) -> int:
    async with runtime.uow() as uow:
        found = await uow.session.scalar(select(model.id).where(getattr(model, column) == value))
    assert found is not None, (model, value)
    return int(found)


async def org_id(runtime: Runtime, key: str) -> int:
    return await id_of(runtime, Organisation, "key", key)


async def add_session(
    runtime: Runtime,
    *,
    station: str,
    owner_org: str,
    token_org: str | None = None,
    token: str | None = None,
    employee: str | None = None,
    vehicle: str | None = None,
    cost_centre: str | None = None,
    **fields: Any,
) -> int:
    """A session at `station` (OCPP id) with its attribution given by key; other columns as given."""
    station_pk = await id_of(runtime, ChargingStation, "ocpp_id", station)
    async with runtime.uow() as uow:
        location_id = await uow.session.scalar(
            select(ChargingStation.location_id).where(ChargingStation.id == station_pk)
        )
        assert await uow.session.get(Location, location_id) is not None
    row = ChargingSession(
        station_id=station_pk,
        location_id=location_id,
        protocol=fields.pop("protocol", "ocpp1.6"),
        transaction_id=fields.pop("transaction_id", str(next(_transactions))),
        state=fields.pop("state", "completed"),
        owner_org_id=await org_id(runtime, owner_org),
        token_org_id=await org_id(runtime, token_org) if token_org else None,
        token_id=await id_of(runtime, Token, "uid", token) if token else None,
        id_token=fields.pop("id_token", token),
        employee_id=await id_of(runtime, Employee, "key", employee) if employee else None,
        vehicle_id=await id_of(runtime, Vehicle, "key", vehicle) if vehicle else None,
        cost_centre_id=await id_of(runtime, CostCentre, "code", cost_centre) if cost_centre else None,
        **fields,
    )
    async with runtime.uow() as uow:
        uow.session.add(row)
        await uow.commit()
        return row.id


async def add_meter_values(runtime: Runtime, session_id: int, samples: list[dict[str, Any]]) -> None:
    async with runtime.uow() as uow:
        station_id = await uow.session.scalar(
            select(ChargingSession.station_id).where(ChargingSession.id == session_id)
        )
        for sample in samples:
            uow.session.add(
                MeterValue(
                    session_id=session_id,
                    station_id=station_id,
                    value=Decimal(str(sample.pop("value"))),
                    measurand=sample.pop("measurand", "Energy.Active.Import.Register"),
                    **sample,
                )
            )
        await uow.commit()


async def add_status(
    runtime: Runtime, station: str, evse_id: int, connector_id: int, status: str, at: datetime, **more: Any
) -> None:
    """A status notification: the current status row is replaced, the history grows."""
    station_pk = await id_of(runtime, ChargingStation, "ocpp_id", station)
    async with runtime.uow() as uow:
        current = await uow.session.scalar(
            select(ConnectorStatus).where(
                ConnectorStatus.station_id == station_pk,
                ConnectorStatus.evse_id == evse_id,
                ConnectorStatus.connector_id == connector_id,
            )
        )
        if current is None:
            current = ConnectorStatus(station_id=station_pk, evse_id=evse_id, connector_id=connector_id)
            uow.session.add(current)
        current.status, current.at = status, at
        current.error_code, current.info = more.get("error_code"), more.get("info")
        current.vendor_error_code = more.get("vendor_error_code")
        uow.session.add(
            StatusEvent(
                station_id=station_pk,
                evse_id=evse_id,
                connector_id=connector_id,
                status=status,
                at=at,
                **more,
            )
        )
        await uow.commit()


async def set_live(runtime: Runtime, station: str, **fields: Any) -> None:
    """Live-state columns of a station, as the gateway keeps them."""
    station_pk = await id_of(runtime, ChargingStation, "ocpp_id", station)
    async with runtime.uow() as uow:
        row = await uow.session.get(ChargingStation, station_pk)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)
        await uow.commit()


async def access_decisions(runtime: Runtime) -> list[AccessDecision]:
    """The decision log of every location, in append order."""
    async with runtime.uow() as uow:
        rows = list((await uow.session.scalars(select(AccessDecision).order_by(AccessDecision.id))).all())
        uow.session.expunge_all()  # kept readable after the unit of work rolls back
        return rows
