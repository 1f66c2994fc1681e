"""An OCPP 2.0.1 station: TransactionEvents with their seqNo and offline flag, EVSEs with one
connector each, device-model variables, and answers to what the CSMS asks."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import partial
from typing import Any

from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call, call_result
from websockets.asyncio.client import ClientConnection

from depotshare.simulator.station import OCPP_LOG, Connector, Station, Transaction, after, on

ENERGY = "Energy.Active.Import.Register"
VOLTAGE = 230.0
TRIGGERABLE = frozenset(
    {"BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "TransactionEvent"}
)
_HEX_UID = re.compile(r"^(?:[0-9A-Fa-f]{2}){4,10}$")
# How the station says why a transaction ended (stoppedReason -> triggerReason).
_STOP_TRIGGER = {
    "Local": "StopAuthorized",
    "Remote": "RemoteStop",
    "EVDisconnected": "EVCommunicationLost",
    "DeAuthorized": "Deauthorized",
    "ImmediateReset": "ResetCommand",
    "EnergyLimitReached": "EnergyLimitReached",
    "TimeLimitReached": "TimeLimitReached",
    "StoppedByEV": "ChargingStateChanged",
}


def id_token(uid: str, kind: str | None = None) -> dict[str, str]:
    """Hex card uids are ISO14443 (MIFARE) tokens; anything else a locally known one."""
    return {"id_token": uid, "type": kind or ("ISO14443" if _HEX_UID.match(uid) else "Local")}


def sample(value: float, measurand: str, unit: str, context: str, phase: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"value": value, "context": context, "measurand": measurand, "location": "Outlet"}
    if phase:
        s["phase"] = phase
    s["unit_of_measure"] = {"unit": unit, "multiplier": 0}
    return s


def sampled_values(register_wh: int, power_w: float, context: str) -> list[dict[str, Any]]:
    amps = round(power_w / (3 * VOLTAGE), 2)
    values = [
        sample(register_wh, ENERGY, "Wh", context),
        sample(round(power_w), "Power.Active.Import", "W", context),
    ]
    for phase in ("L1", "L2", "L3"):
        values.append(sample(amps, "Current.Import", "A", context, phase))
        values.append(sample(VOLTAGE, "Voltage", "V", context, f"{phase}-N"))
    return values


class Station201(Station):
    protocol = "ocpp2.0.1"
    call_module = call

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variables: dict[tuple[str, str], str] = {
            ("OCPPCommCtrlr", "HeartbeatInterval"): f"{self.heartbeat_s:.0f}",
            ("SampledDataCtrlr", "TxUpdatedInterval"): f"{self.cfg.meter_interval_s:g}",
            (
                "SampledDataCtrlr",
                "TxUpdatedMeasurands",
            ): f"{ENERGY},Power.Active.Import,Current.Import,Voltage",
            ("AuthCtrlr", "AuthorizeRemoteStart"): "false",
            ("TxCtrlr", "StopTxOnInvalidId"): "true",
            ("TxCtrlr", "EVConnectionTimeOut"): "60",
            ("ChargingStation", "Model"): "DS-SIM-22",
            ("ChargingStation", "VendorName"): "DepotShare",
            ("LocalAuthListCtrlr", "Enabled"): "true",
            ("LocalAuthListCtrlr", "Entries"): "0",  # Actual: how many it holds; MaxSet: the most
            ("LocalAuthListCtrlr", "ItemsPerMessage"): str(self.cfg.local_list_per_message),
            ("LocalAuthListCtrlr", "BytesPerMessage"): str(self.cfg.local_list_bytes),
        }

    def make_charge_point(self, ws: ClientConnection) -> ChargePoint201:
        return _ChargePoint(self, ws)

    def boot_payload(self, reason: str) -> Any:
        station = {
            "model": "DS-SIM-22",
            "vendor_name": "DepotShare",
            "serial_number": self.id,
            "firmware_version": "sim-1.0",
        }
        return call.BootNotification(charging_station=station, reason=reason)

    async def send_status(self, connector: int, status: str, error_code: str = "NoError") -> None:
        stamp = self.clock.stamp()
        await self.send(
            lambda: call.StatusNotification(
                timestamp=stamp, connector_status=status, evse_id=connector, connector_id=1
            ),
            queueable=False,
        )

    async def authorize(self, id_tag: str) -> str | None:
        result = await self.send(lambda: call.Authorize(id_token=id_token(id_tag)), queueable=False)
        return None if result is None else str(result.id_token_info["status"])

    def _event(
        self,
        tx: Transaction,
        event_type: str,
        trigger: str,
        *,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        meter: list[dict[str, Any]] | None = None,
        with_token: bool = False,
        at: datetime | None = None,
    ) -> Any:
        info: dict[str, Any] = {"transaction_id": tx.transaction_id}
        if charging_state:
            info["charging_state"] = charging_state
        if stopped_reason:
            info["stopped_reason"] = stopped_reason
        if tx.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = tx.remote_start_id
        seq_no, tx.seq_no = tx.seq_no, tx.seq_no + 1
        return call.TransactionEvent(
            event_type=event_type,
            timestamp=self.clock.stamp(at),
            trigger_reason=trigger,
            seq_no=seq_no,
            transaction_info=info,
            meter_value=meter,
            offline=True if not self.is_online else None,
            evse={"id": tx.connector, "connector_id": 1},
            id_token=id_token(tx.id_tag, tx.token_type) if with_token else None,
        )

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        meter_start_wh: int,
        remote_start_id: int | None = None,
        token_type: str | None = None,
    ) -> Transaction:
        tx = Transaction(
            connector,
            id_tag,
            meter_start_wh,
            self.clock.now(),
            remote_start_id=remote_start_id,
            token_type=token_type,
        )
        tx.transaction_id = str(uuid.uuid4())
        self.connector(connector).tx = tx
        self.stats.sessions_started += 1
        begin = [
            {
                "timestamp": self.clock.stamp(tx.started_at),
                "sampled_value": [sample(meter_start_wh, ENERGY, "Wh", "Transaction.Begin")],
            }
        ]
        trigger = "RemoteStart" if remote_start_id is not None else "Authorized"
        started = self._event(
            tx,
            "Started",
            trigger,
            charging_state="EVConnected",
            meter=begin,
            with_token=True,
            at=tx.started_at,
        )

        def answered(result: Any) -> None:
            info = result.id_token_info
            tx.auth_status = str(info["status"]) if info else "Accepted"

        await self.send_payload(started, queueable=True, on_result=answered)
        if tx.auth_status not in (None, "Accepted"):  # StopTxOnInvalidId
            await self.stop_transaction(tx, "DeAuthorized")
            return tx
        charging = self._event(tx, "Updated", "ChargingStateChanged", charging_state="Charging")
        await self.send_payload(charging, queueable=True)
        return tx

    async def send_meter_values(self, connector: Connector, power_w: float, at: datetime) -> None:
        body = [
            {
                "timestamp": self.clock.stamp(at),
                "sampled_value": sampled_values(connector.reading_wh, power_w, "Sample.Periodic"),
            }
        ]
        tx = connector.tx
        if tx is None:
            await self.send(lambda: call.MeterValues(evse_id=connector.id, meter_value=body), queueable=False)
            return
        event = self._event(tx, "Updated", "MeterValuePeriodic", charging_state="Charging", meter=body, at=at)
        await self.send_payload(event, queueable=True)

    async def stop_transaction(self, tx: Transaction, reason: str, meter_stop_wh: int | None = None) -> None:
        if tx.ended.is_set():
            return
        c = self.connectors.get(tx.connector)
        meter_stop = (
            meter_stop_wh if meter_stop_wh is not None else (c.reading_wh if c else tx.meter_start_wh)
        )
        now = self.clock.now()
        end = [
            {
                "timestamp": self.clock.stamp(now),
                "sampled_value": [sample(meter_stop, ENERGY, "Wh", "Transaction.End")],
            }
        ]
        trigger = _STOP_TRIGGER.get(reason, "AbnormalCondition")
        event = self._event(
            tx,
            "Ended",
            trigger,
            charging_state="EVConnected",
            stopped_reason=reason,
            meter=end,
            with_token=reason == "Local",
            at=now,
        )
        self.ended(tx, meter_stop)
        await self.send_payload(event, queueable=True)

    # --- answers to the CSMS ---------------------------------------------------------------

    def remote_start(
        self, token: dict[str, Any], remote_start_id: int, evse_id: int | None
    ) -> tuple[str, str | None]:
        for c in self.connectors.values():
            if c.tx is None and c.status == "Available" and c.operative and evse_id in (None, c.id):
                c.status = "Occupied"
                self.set_effect(
                    partial(
                        self.remote_session, c.id, str(token["id_token"]), remote_start_id, token.get("type")
                    )
                )
                return "Accepted", None
        return "Rejected", None

    def remote_stop(self, transaction_id: str) -> str:
        for c in self.connectors.values():
            if c.tx is not None and c.tx.transaction_id == transaction_id:
                self.set_effect(partial(self._stop_then_available, c.tx, "Remote"))
                return "Accepted"
        return "Rejected"

    async def _stop_then_available(self, tx: Transaction, reason: str) -> None:
        await self.stop_transaction(tx, reason)
        await self.set_status(tx.connector, "Available")

    def trigger(self, message: str, evse_id: int | None) -> str:
        if message not in TRIGGERABLE:
            return "NotImplemented"
        self.set_effect(lambda: self.triggered(message, evse_id))
        return "Accepted"

    async def triggered(self, message: str, evse_id: int | None) -> None:
        connectors = [c for c in self.connectors.values() if evse_id in (None, c.id)]
        if message == "BootNotification":
            await self.boot("Triggered")
        elif message == "Heartbeat":
            await self.send(lambda: call.Heartbeat(), queueable=False)
        elif message == "StatusNotification":
            for c in connectors:
                await self.send_status(c.id, c.status, c.error_code)
        elif message == "TransactionEvent":
            for c in connectors:
                if c.tx is not None:
                    event = self._event(c.tx, "Updated", "Trigger", charging_state="Charging")
                    await self.send_payload(event, queueable=True)
        else:
            for c in connectors:
                await self.send_meter_values(c, 0.0, self.clock.now())

    def variable_result(self, item: dict[str, Any], value: str | None = None) -> dict[str, Any]:
        key = (item["component"]["name"], item["variable"]["name"])
        self.variables[("OCPPCommCtrlr", "HeartbeatInterval")] = f"{self.heartbeat_s:g}"  # as set at boot
        known_component = any(k[0] == key[0] for k in self.variables)
        result: dict[str, Any] = {"component": item["component"], "variable": item["variable"]}
        if item.get("attribute_type"):
            result["attribute_type"] = item["attribute_type"]
        if value is not None:  # SetVariables
            self.variables[key] = value
            result["attribute_status"] = "Accepted"
            if key == ("OCPPCommCtrlr", "HeartbeatInterval") and value.isdigit():
                self.heartbeat_s = max(1.0, float(value))
        elif key == ("LocalAuthListCtrlr", "Entries"):
            result["attribute_status"] = "Accepted"
            most = item.get("attribute_type") == "MaxSet"
            result["attribute_value"] = str(self.cfg.local_list_max if most else len(self.local_list.entries))
        elif key in self.variables:
            result["attribute_status"] = "Accepted"
            result["attribute_value"] = self.variables[key]
        else:
            result["attribute_status"] = "UnknownVariable" if known_component else "UnknownComponent"
        return result

    async def notify_report(self, request_id: int) -> None:
        generated = self.clock.stamp()
        data = [
            {
                "component": {"name": comp},
                "variable": {"name": var},
                "variable_attribute": [{"type": "Actual", "value": value, "mutability": "ReadWrite"}],
                "variable_characteristics": {
                    "data_type": "integer" if value.isdigit() else "string",
                    "supports_monitoring": False,
                },
            }
            for (comp, var), value in sorted(self.variables.items())
        ]
        await self.send(
            lambda: call.NotifyReport(
                request_id=request_id, generated_at=generated, seq_no=0, tbc=False, report_data=data
            ),
            queueable=False,
        )


class _ChargePoint(ChargePoint201):  # type: ignore[misc]  # the library is untyped
    """The library's 2.0.1 client; every handler answers from the station's state."""

    def __init__(self, station: Station201, ws: ClientConnection) -> None:
        super().__init__(station.id, ws, response_timeout=station.cfg.call_timeout_s, logger=OCPP_LOG)
        self.station = station
        self.frame_bytes = 0  # of the message being handled (BytesPerMessage)

    async def route_message(self, raw_msg: str) -> None:
        self.frame_bytes = len(raw_msg.encode())
        await super().route_message(raw_msg)

    def _count(self) -> None:
        self.station.stats.calls_received += 1

    @on("RequestStartTransaction")
    def on_request_start(
        self, id_token: dict[str, Any], remote_start_id: int, evse_id: int | None = None, **_: Any
    ) -> Any:
        self._count()
        status, tx_id = self.station.remote_start(id_token, remote_start_id, evse_id)
        return call_result.RequestStartTransaction(status=status, transaction_id=tx_id)

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id: str, **_: Any) -> Any:
        self._count()
        return call_result.RequestStopTransaction(status=self.station.remote_stop(transaction_id))

    @on("Reset")
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> Any:
        self._count()
        st = self.station
        if type == "OnIdle" and any(c.tx is not None for c in st.connectors.values()):
            return call_result.Reset(status="Scheduled")
        st.set_effect(lambda: st.reboot("ImmediateReset"))
        return call_result.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock(self, evse_id: int, connector_id: int, **_: Any) -> Any:
        self._count()
        c = self.station.connectors.get(evse_id)
        if c is None or connector_id != 1:
            return call_result.UnlockConnector(status="UnknownConnector")
        if c.tx is not None:
            return call_result.UnlockConnector(status="OngoingAuthorizedTransaction")
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> Any:
        self._count()
        st = self.station
        evse_id = (evse or {}).get("id", 0)
        targets = [c for c in st.connectors.values() if evse_id in (0, c.id)]
        if not targets:
            return call_result.ChangeAvailability(status="Rejected")
        if any(c.tx is not None for c in targets):
            return call_result.ChangeAvailability(status="Scheduled")
        operative = operational_status == "Operative"

        async def apply() -> None:
            for c in targets:
                c.operative = operative
                await st.set_status(c.id, "Available" if operative else "Unavailable")

        st.set_effect(apply)
        return call_result.ChangeAvailability(status="Accepted")

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self._count()
        return call_result.GetVariables(
            get_variable_result=[self.station.variable_result(i) for i in get_variable_data]
        )

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self._count()
        results = [self.station.variable_result(i, str(i["attribute_value"])) for i in set_variable_data]
        return call_result.SetVariables(set_variable_result=results)

    @on("GetBaseReport")
    def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> Any:
        self._count()
        self.station.set_effect(lambda: self.station.notify_report(request_id))
        return call_result.GetBaseReport(status="Accepted")

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any) -> Any:
        self._count()
        return call_result.TriggerMessage(
            status=self.station.trigger(requested_message, (evse or {}).get("id"))
        )

    @on("ClearCache")
    def on_clear_cache(self, **_: Any) -> Any:
        self._count()
        return call_result.ClearCache(status="Accepted")

    @on("SendLocalList")
    def on_send_local_list(
        self,
        version_number: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        self._count()
        st = self.station
        if st.variables[("LocalAuthListCtrlr", "Enabled")] != "true":
            return call_result.SendLocalList(status="Failed")
        if self.frame_bytes > int(st.variables[("LocalAuthListCtrlr", "BytesPerMessage")]):
            return call_result.SendLocalList(status="Failed")
        items = [(i["id_token"]["id_token"], i.get("id_token_info")) for i in local_authorization_list or []]
        return call_result.SendLocalList(status=st.local_list.update(version_number, update_type, items))

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **_: Any) -> Any:
        self._count()
        return call_result.GetLocalListVersion(version_number=self.station.local_list.version)

    @on("ReserveNow")
    def on_reserve_now(self, id: int, **_: Any) -> Any:
        self._count()
        return call_result.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> Any:
        self._count()
        return call_result.CancelReservation(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, evse_id: int, **_: Any) -> Any:
        self._count()
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_: Any) -> Any:
        self._count()
        return call_result.ClearChargingProfile(status="Accepted")

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ) -> Any:
        self._count()
        unit = charging_rate_unit or "W"
        limit = (
            self.station.cfg.power_kw * 1000
            if unit == "W"
            else round(self.station.cfg.power_kw * 1000 / (3 * VOLTAGE), 1)
        )
        schedule = {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": self.station.clock.stamp(),
            "charging_rate_unit": unit,
            "charging_schedule_period": [{"start_period": 0, "limit": limit}],
        }
        return call_result.GetCompositeSchedule(status="Accepted", schedule=schedule)

    @on("GetTransactionStatus")
    def on_get_transaction_status(self, transaction_id: str | None = None, **_: Any) -> Any:
        self._count()
        st = self.station
        ongoing = any(
            c.tx is not None and c.tx.transaction_id == transaction_id for c in st.connectors.values()
        )
        return call_result.GetTransactionStatus(
            messages_in_queue=st.has_queued, ongoing_indicator=ongoing if transaction_id else None
        )

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        self._count()
        return call_result.DataTransfer(status="UnknownVendorId")

    # The effect of an accepted command runs after its answer is sent, as on a real station.
    @after("RequestStartTransaction")
    def after_request_start(self, **_: Any) -> None:
        self.station.run_effect()

    @after("RequestStopTransaction")
    def after_request_stop(self, **_: Any) -> None:
        self.station.run_effect()

    @after("Reset")
    def after_reset(self, **_: Any) -> None:
        self.station.run_effect()

    @after("ChangeAvailability")
    def after_change_availability(self, **_: Any) -> None:
        self.station.run_effect()

    @after("GetBaseReport")
    def after_get_base_report(self, **_: Any) -> None:
        self.station.run_effect()

    @after("TriggerMessage")
    def after_trigger(self, **_: Any) -> None:
        self.station.run_effect()
