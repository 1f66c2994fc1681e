"""An OCPP 1.6J station: its messages, and its answers to what the CSMS asks (remote start/stop,
reset, configuration, trigger, local list, reservations, charging profiles)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call, call_result
from websockets.asyncio.client import ClientConnection

from depotshare.simulator.station import OCPP_LOG, Connector, Station, Transaction, after, on

ENERGY = "Energy.Active.Import.Register"
VOLTAGE = 230.0
TRIGGERABLE = frozenset({"BootNotification", "Heartbeat", "StatusNotification", "MeterValues"})


def sampled_values(register_wh: int, power_w: float, context: str) -> list[dict[str, Any]]:
    """A realistic MeterValues body: the register, the power, and per phase current and voltage."""
    amps = power_w / (3 * VOLTAGE)
    values: list[dict[str, Any]] = [
        {
            "value": str(register_wh),
            "context": context,
            "measurand": ENERGY,
            "location": "Outlet",
            "unit": "Wh",
        },
        {
            "value": f"{power_w:.0f}",
            "context": context,
            "measurand": "Power.Active.Import",
            "location": "Outlet",
            "unit": "W",
        },
    ]
    for phase in ("L1", "L2", "L3"):
        values.append(
            {
                "value": f"{amps:.2f}",
                "context": context,
                "measurand": "Current.Import",
                "phase": phase,
                "location": "Outlet",
                "unit": "A",
            }
        )
        values.append(
            {
                "value": f"{VOLTAGE:.1f}",
                "context": context,
                "measurand": "Voltage",
                "phase": f"{phase}-N",
                "location": "Outlet",
                "unit": "V",
            }
        )
    return values


def register_sample(stamp: str, wh: int, context: str) -> dict[str, Any]:
    return {
        "timestamp": stamp,
        "sampled_value": [{"value": str(wh), "context": context, "measurand": ENERGY, "unit": "Wh"}],
    }


class Station16(Station):
    protocol = "ocpp1.6"
    call_module = call

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.configuration: dict[str, tuple[str, bool]] = {  # key -> (value, read-only)
            "HeartbeatInterval": (f"{self.heartbeat_s:.0f}", False),
            "MeterValueSampleInterval": (f"{self.cfg.meter_interval_s:g}", False),
            "MeterValuesSampledData": (f"{ENERGY},Power.Active.Import,Current.Import,Voltage", False),
            "AuthorizeRemoteTxRequests": ("false", False),
            "StopTransactionOnInvalidId": ("true", False),
            "LocalAuthorizeOffline": ("true", False),
            "ConnectionTimeOut": ("60", False),
            "NumberOfConnectors": (str(len(self.connectors)), True),
            "SupportedFeatureProfiles": (
                "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
                True,
            ),
            "LocalAuthListEnabled": ("true", False),
            "LocalAuthListMaxLength": (str(self.cfg.local_list_max), True),
            "SendLocalListMaxLength": (str(self.cfg.local_list_per_message), True),
        }

    def make_charge_point(self, ws: ClientConnection) -> ChargePoint16:
        return _ChargePoint(self, ws)

    def boot_payload(self, reason: str) -> Any:
        return call.BootNotification(
            charge_point_model="DS-SIM-22",
            charge_point_vendor="DepotShare",
            charge_point_serial_number=self.id,
            firmware_version="sim-1.0",
            meter_type="SIM-3P",
        )

    async def send_status(self, connector: int, status: str, error_code: str = "NoError") -> None:
        stamp = self.clock.stamp()
        await self.send(
            lambda: call.StatusNotification(
                connector_id=connector, error_code=error_code, status=status, timestamp=stamp
            ),
            queueable=False,
        )

    async def authorize(self, id_tag: str) -> str | None:
        result = await self.send(lambda: call.Authorize(id_tag=id_tag), queueable=False)
        return None if result is None else str(result.id_tag_info["status"])

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        meter_start_wh: int,
        remote_start_id: int | None = None,
        token_type: str | None = None,
    ) -> Transaction:
        tx = Transaction(connector, id_tag, meter_start_wh, self.clock.now(), remote_start_id=remote_start_id)
        self.connector(connector).tx = tx
        self.stats.sessions_started += 1
        stamp = self.clock.stamp(tx.started_at)

        def answered(result: Any) -> None:
            tx.transaction_id = str(result.transaction_id)
            tx.auth_status = str(result.id_tag_info["status"])

        await self.send(
            lambda: call.StartTransaction(
                connector_id=connector, id_tag=id_tag, meter_start=meter_start_wh, timestamp=stamp
            ),
            queueable=True,
            on_result=answered,
        )
        if tx.auth_status not in (None, "Accepted"):  # StopTransactionOnInvalidId
            await self.stop_transaction(tx, "DeAuthorized")
        return tx

    async def send_meter_values(self, connector: Connector, power_w: float, at: datetime) -> None:
        tx = connector.tx
        body = [
            {
                "timestamp": self.clock.stamp(at),
                "sampled_value": sampled_values(connector.reading_wh, power_w, "Sample.Periodic"),
            }
        ]
        if tx is None:
            await self.send(
                lambda: call.MeterValues(connector_id=connector.id, meter_value=body), queueable=False
            )
            return

        def build() -> Any:
            if tx.transaction_id is None:
                return None  # the start never got an id: nothing to attach these to
            return call.MeterValues(
                connector_id=connector.id, meter_value=body, transaction_id=int(tx.transaction_id)
            )

        await self.send(build, queueable=True)

    async def stop_transaction(self, tx: Transaction, reason: str, meter_stop_wh: int | None = None) -> None:
        if tx.ended.is_set():
            return
        c = self.connectors.get(tx.connector)
        meter_stop = (
            meter_stop_wh if meter_stop_wh is not None else (c.reading_wh if c else tx.meter_start_wh)
        )
        stamp = self.clock.stamp()
        data = [
            register_sample(self.clock.stamp(tx.started_at), tx.meter_start_wh, "Transaction.Begin"),
            register_sample(stamp, meter_stop, "Transaction.End"),
        ]

        def build() -> Any:
            if tx.transaction_id is None:
                return None
            return call.StopTransaction(
                meter_stop=meter_stop,
                timestamp=stamp,
                transaction_id=int(tx.transaction_id),
                reason=reason,
                id_tag=tx.id_tag,
                transaction_data=data,
            )

        self.ended(tx, meter_stop)
        await self.send(build, queueable=True)

    # --- answers to the CSMS ---------------------------------------------------------------

    def remote_start(self, id_tag: str, connector_id: int | None) -> str:
        for c in self.connectors.values():
            if c.tx is None and c.status == "Available" and c.operative and connector_id in (None, c.id):
                c.status = "Preparing"  # taken now, so a second request cannot pick it too
                self.set_effect(partial(self.remote_session, c.id, id_tag))
                return "Accepted"
        return "Rejected"

    def remote_stop(self, transaction_id: int) -> str:
        for c in self.connectors.values():
            if c.tx is not None and c.tx.transaction_id == str(transaction_id):
                self.set_effect(partial(self._stop_then_available, c.tx, "Remote"))
                return "Accepted"
        return "Rejected"

    async def _stop_then_available(self, tx: Transaction, reason: str) -> None:
        await self.stop_transaction(tx, reason)
        await self.set_status(tx.connector, "Finishing")
        await self.set_status(tx.connector, "Available")

    def change_configuration(self, key: str, value: str) -> str:
        if key not in self.configuration:
            return "NotSupported"
        if self.configuration[key][1]:
            return "Rejected"
        self.configuration[key] = (value, False)
        try:
            if key == "HeartbeatInterval":
                self.heartbeat_s = max(1.0, float(value))
            elif key == "MeterValueSampleInterval":
                self.meter_interval_s = max(0.01, float(value))
        except ValueError:
            return "Rejected"
        return "Accepted"

    def trigger(self, message: str, connector_id: int | None) -> str:
        if message not in TRIGGERABLE:
            return "NotImplemented"
        self.set_effect(lambda: self.triggered(message, connector_id))
        return "Accepted"

    async def triggered(self, message: str, connector_id: int | None) -> None:
        if message == "BootNotification":
            await self.boot("Triggered")
        elif message == "Heartbeat":
            await self.send(lambda: call.Heartbeat(), queueable=False)
        elif message == "StatusNotification":
            for c in self.connectors.values():
                if connector_id in (None, c.id):
                    await self.send_status(c.id, c.status, c.error_code)
        else:
            for c in self.connectors.values():
                if connector_id in (None, c.id):
                    await self.send_meter_values(c, 0.0, self.clock.now())


class _ChargePoint(ChargePoint16):  # type: ignore[misc]  # the library is untyped
    """The library's 1.6 client; every handler answers from the station's state."""

    def __init__(self, station: Station16, ws: ClientConnection) -> None:
        super().__init__(station.id, ws, response_timeout=station.cfg.call_timeout_s, logger=OCPP_LOG)
        self.station = station

    def _count(self) -> None:
        self.station.stats.calls_received += 1

    @on("RemoteStartTransaction")
    def on_remote_start(self, id_tag: str, connector_id: int | None = None, **_: Any) -> Any:
        self._count()
        return call_result.RemoteStartTransaction(status=self.station.remote_start(id_tag, connector_id))

    @on("RemoteStopTransaction")
    def on_remote_stop(self, transaction_id: int, **_: Any) -> Any:
        self._count()
        return call_result.RemoteStopTransaction(status=self.station.remote_stop(transaction_id))

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> Any:
        self._count()
        self.station.set_effect(lambda: self.station.reboot(f"{type}Reset"))
        return call_result.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock(self, connector_id: int, **_: Any) -> Any:
        self._count()
        c = self.station.connectors.get(connector_id)
        if c is None:
            return call_result.UnlockConnector(status="NotSupported")
        if c.tx is not None:
            tx = c.tx
            self.station.set_effect(lambda: self.station._stop_then_available(tx, "UnlockCommand"))
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(self, connector_id: int, type: str, **_: Any) -> Any:
        self._count()
        st = self.station
        targets = [c for c in st.connectors.values() if connector_id in (0, c.id)]
        if not targets:
            return call_result.ChangeAvailability(status="Rejected")
        if any(c.tx is not None for c in targets):
            return call_result.ChangeAvailability(status="Scheduled")
        operative = type == "Operative"

        async def apply() -> None:
            for c in targets:
                c.operative = operative
                await st.set_status(c.id, "Available" if operative else "Unavailable")

        st.set_effect(apply)
        return call_result.ChangeAvailability(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> Any:
        self._count()
        conf = self.station.configuration
        conf["HeartbeatInterval"] = (f"{self.station.heartbeat_s:g}", False)  # as the CSMS set it at boot
        wanted = key or list(conf)
        known = [{"key": k, "readonly": conf[k][1], "value": conf[k][0]} for k in wanted if k in conf]
        unknown = [k for k in wanted if k not in conf]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str, **_: Any) -> Any:
        self._count()
        return call_result.ChangeConfiguration(status=self.station.change_configuration(key, value))

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, connector_id: int | None = None, **_: Any) -> Any:
        self._count()
        return call_result.TriggerMessage(status=self.station.trigger(requested_message, connector_id))

    @on("ClearCache")
    def on_clear_cache(self, **_: Any) -> Any:
        self._count()
        return call_result.ClearCache(status="Accepted")

    @on("SendLocalList")
    def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        self._count()
        st = self.station
        if st.configuration["LocalAuthListEnabled"][0] != "true":
            return call_result.SendLocalList(status="NotSupported")
        items = [(i["id_tag"], i.get("id_tag_info")) for i in local_authorization_list or []]
        return call_result.SendLocalList(status=st.local_list.update(list_version, update_type, items))

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **_: Any) -> Any:
        self._count()
        st = self.station
        enabled = st.configuration["LocalAuthListEnabled"][0] == "true"
        return call_result.GetLocalListVersion(list_version=st.local_list.version if enabled else -1)

    @on("ReserveNow")
    def on_reserve_now(self, connector_id: int, **_: Any) -> Any:
        self._count()
        return call_result.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> Any:
        self._count()
        return call_result.CancelReservation(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, connector_id: int, **_: Any) -> Any:
        self._count()
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_: Any) -> Any:
        self._count()
        return call_result.ClearChargingProfile(status="Accepted")

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None, **_: Any
    ) -> Any:
        self._count()
        unit = charging_rate_unit or "W"
        limit = (
            self.station.cfg.power_kw * 1000
            if unit == "W"
            else round(self.station.cfg.power_kw * 1000 / (3 * VOLTAGE), 1)
        )
        schedule = {
            "duration": duration,
            "charging_rate_unit": unit,
            "charging_schedule_period": [{"start_period": 0, "limit": limit}],
        }
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=self.station.clock.stamp(),
            charging_schedule=schedule,
        )

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        self._count()
        return call_result.DataTransfer(status="UnknownVendorId")

    # The effect of an accepted command runs after its answer is sent, as on a real station.
    @after("RemoteStartTransaction")
    def after_remote_start(self, **_: Any) -> None:
        self.station.run_effect()

    @after("RemoteStopTransaction")
    def after_remote_stop(self, **_: Any) -> None:
        self.station.run_effect()

    @after("Reset")
    def after_reset(self, **_: Any) -> None:
        self.station.run_effect()

    @after("UnlockConnector")
    def after_unlock(self, **_: Any) -> None:
        self.station.run_effect()

    @after("ChangeAvailability")
    def after_change_availability(self, **_: Any) -> None:
        self.station.run_effect()

    @after("TriggerMessage")
    def after_trigger(self, **_: Any) -> None:
        self.station.run_effect()
