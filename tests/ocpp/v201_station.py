"""A 2.0.1 station for the gateway's end-to-end tests (the `ocpp` library's client side over a real
websocket), message builders, and database look-ups shared by tests/ocpp/test_v201_*.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call
from ocpp.v201 import call_result as result
from sqlalchemy import func, select

from depotshare.store.charging.models import ChargingSession, MeterValue, StationEvent, TransactionEventRecord
from tests.ocpp.conftest import Served, answering, raw_socket

ENERGY = "Energy.Active.Import.Register"

# CSMS -> station actions the test station answers, with the answer class and its default status.
_ANSWERS: dict[str, tuple[Any, str | None]] = {
    "RequestStartTransaction": (result.RequestStartTransaction, "Accepted"),
    "RequestStopTransaction": (result.RequestStopTransaction, "Accepted"),
    "Reset": (result.Reset, "Accepted"),
    "UnlockConnector": (result.UnlockConnector, "Unlocked"),
    "ChangeAvailability": (result.ChangeAvailability, "Accepted"),
    "GetBaseReport": (result.GetBaseReport, "Accepted"),
    "TriggerMessage": (result.TriggerMessage, "Accepted"),
    "ClearCache": (result.ClearCache, "Accepted"),
    "SendLocalList": (result.SendLocalList, "Accepted"),
    "ReserveNow": (result.ReserveNow, "Accepted"),
    "CancelReservation": (result.CancelReservation, "Accepted"),
    "SetChargingProfile": (result.SetChargingProfile, "Accepted"),
    "ClearChargingProfile": (result.ClearChargingProfile, "Accepted"),
}


class Station201(ChargePoint201):
    """Answers the central system's calls (status from `answers`, else the default) and records them."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, str] = {}

    def _answer(self, action: str, payload: dict[str, Any]) -> Any:
        self.received.append((action, payload))
        cls, default = _ANSWERS[action]
        return cls(status=self.answers.get(action, default))

    @on("RequestStartTransaction")
    def _start(self, **kw: Any) -> Any:
        return self._answer("RequestStartTransaction", kw)

    @on("RequestStopTransaction")
    def _stop(self, **kw: Any) -> Any:
        return self._answer("RequestStopTransaction", kw)

    @on("Reset")
    def _reset(self, **kw: Any) -> Any:
        return self._answer("Reset", kw)

    @on("UnlockConnector")
    def _unlock(self, **kw: Any) -> Any:
        return self._answer("UnlockConnector", kw)

    @on("ChangeAvailability")
    def _availability(self, **kw: Any) -> Any:
        return self._answer("ChangeAvailability", kw)

    @on("GetBaseReport")
    def _base_report(self, **kw: Any) -> Any:
        return self._answer("GetBaseReport", kw)

    @on("TriggerMessage")
    def _trigger(self, **kw: Any) -> Any:
        return self._answer("TriggerMessage", kw)

    @on("ClearCache")
    def _clear_cache(self, **kw: Any) -> Any:
        return self._answer("ClearCache", kw)

    @on("SendLocalList")
    def _local_list(self, **kw: Any) -> Any:
        return self._answer("SendLocalList", kw)

    @on("ReserveNow")
    def _reserve(self, **kw: Any) -> Any:
        return self._answer("ReserveNow", kw)

    @on("CancelReservation")
    def _cancel(self, **kw: Any) -> Any:
        return self._answer("CancelReservation", kw)

    @on("SetChargingProfile")
    def _set_profile(self, **kw: Any) -> Any:
        return self._answer("SetChargingProfile", kw)

    @on("ClearChargingProfile")
    def _clear_profile(self, **kw: Any) -> Any:
        return self._answer("ClearChargingProfile", kw)

    @on("GetVariables")
    def _get_variables(self, get_variable_data: list[dict[str, Any]], **kw: Any) -> Any:
        self.received.append(("GetVariables", {"get_variable_data": get_variable_data, **kw}))
        return result.GetVariables(
            get_variable_result=[
                {**item, "attribute_status": "Accepted", "attribute_value": "300"}
                for item in get_variable_data
            ]
        )

    @on("SetVariables")
    def _set_variables(self, set_variable_data: list[dict[str, Any]], **kw: Any) -> Any:
        self.received.append(("SetVariables", {"set_variable_data": set_variable_data, **kw}))
        return result.SetVariables(
            set_variable_result=[
                {"component": i["component"], "variable": i["variable"], "attribute_status": "Accepted"}
                for i in set_variable_data
            ]
        )


@asynccontextmanager
async def station201(
    served: Served, station_id: str, *, password: str | None = None
) -> AsyncIterator[Station201]:
    """A connected 2.0.1 station whose message loop runs in the background."""
    async with (
        raw_socket(served, station_id, password=password, subprotocols=["ocpp2.0.1"]) as ws,
        answering(Station201(station_id, ws)) as cp,
    ):
        yield cp


async def booted(cp: Station201, reason: str = "PowerUp") -> Any:
    return await cp.call(
        call.BootNotification(charging_station={"model": "T-201", "vendor_name": "Test"}, reason=reason)
    )


# --- messages ---------------------------------------------------------------------------------


def sv(
    value: float,
    *,
    context: str | None = None,
    measurand: str | None = None,
    unit: str | None = None,
    multiplier: int | None = None,
    phase: str | None = None,
    signed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    for key, val in (("context", context), ("measurand", measurand), ("phase", phase)):
        if val is not None:
            out[key] = val
    if unit is not None or multiplier is not None:
        out["unit_of_measure"] = {
            k: v for k, v in (("unit", unit), ("multiplier", multiplier)) if v is not None
        }
    if signed is not None:
        out["signed_meter_value"] = signed
    return out


def mv(at: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": at, "sampled_value": list(values)}


_TRIGGER = {"Started": "Authorized", "Updated": "MeterValuePeriodic", "Ended": "StopAuthorized"}


def tx_event(
    event_type: str,
    seq_no: int,
    transaction_id: str,
    at: str,
    *meter: dict[str, Any],
    trigger: str | None = None,
    token: str | None = None,
    token_type: str = "ISO14443",
    evse: int | None = 1,
    offline: bool | None = None,
    stopped_reason: str | None = None,
) -> call.TransactionEvent:
    info: dict[str, Any] = {"transaction_id": transaction_id}
    if stopped_reason is not None:
        info["stopped_reason"] = stopped_reason
    return call.TransactionEvent(
        event_type=event_type,
        timestamp=at,
        trigger_reason=trigger or _TRIGGER[event_type],
        seq_no=seq_no,
        transaction_info=info,
        meter_value=list(meter) or None,
        offline=offline,
        evse={"id": evse, "connector_id": 1} if evse is not None else None,
        id_token={"id_token": token, "type": token_type} if token is not None else None,
    )


# --- database ---------------------------------------------------------------------------------


async def session_of(served: Served, transaction_id: str) -> ChargingSession:
    async with served.runtime.uow() as uow:
        row = await uow.session.scalar(
            select(ChargingSession).where(ChargingSession.transaction_id == transaction_id)
        )
        assert row is not None, f"no session for {transaction_id}"
        uow.session.expunge(row)
        return row


async def sessions_count(served: Served) -> int:
    async with served.runtime.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(ChargingSession)) or 0


async def meter_rows(served: Served, session_id: int | None = None) -> list[MeterValue]:
    async with served.runtime.uow() as uow:
        stmt = select(MeterValue).order_by(MeterValue.sampled_at, MeterValue.id)
        if session_id is not None:
            stmt = stmt.where(MeterValue.session_id == session_id)
        rows = list((await uow.session.scalars(stmt)).all())
        uow.session.expunge_all()
        return rows


async def event_records(served: Served, session_id: int) -> list[tuple[int, str, bool]]:
    async with served.runtime.uow() as uow:
        rows = await uow.session.execute(
            select(
                TransactionEventRecord.seq_no,
                TransactionEventRecord.event_type,
                TransactionEventRecord.offline,
            )
            .where(TransactionEventRecord.session_id == session_id)
            .order_by(TransactionEventRecord.seq_no)
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def station_events(served: Served, kind: str) -> list[StationEvent]:
    async with served.runtime.uow() as uow:
        rows = list(
            (
                await uow.session.scalars(
                    select(StationEvent).where(StationEvent.kind == kind).order_by(StationEvent.id)
                )
            ).all()
        )
        uow.session.expunge_all()
        return rows
