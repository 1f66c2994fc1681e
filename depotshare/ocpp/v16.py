"""OCPP 1.6J, station -> central system. Each handler: payload -> service call -> reply, built
after the service has committed. 1.6 connector N is EVSE N with connector 1 in our model (a 1.6
connector is what 2.0.1 calls an EVSE); connector 0 is the station itself (EVSE 0, connector 0)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, RegistrationStatus

from depotshare.domain.access.decision import AuthStatus, Decision
from depotshare.domain.charging.meter import DEFAULT_MEASURAND, Sample, parse_value
from depotshare.domain.common.errors import InvalidInput
from depotshare.ocpp.errors import V16_CODES
from depotshare.ocpp.quirks import iso, parse_timestamp
from depotshare.ocpp.station import StationBase, on
from depotshare.services.access import authorization
from depotshare.services.charging import recording as sessions
from depotshare.services.charging.recording import StartRequest, StopRequest
from depotshare.services.sites import connected_stations as live

SUBPROTOCOL = "ocpp1.6"
_REGISTRATION = {
    "accepted": RegistrationStatus.accepted,
    "pending": RegistrationStatus.pending,
    "rejected": RegistrationStatus.rejected,
}
# 1.6 knows five statuses; the finer neutral ones all read Invalid to a 1.6 station.
_AUTH_16 = {
    AuthStatus.ACCEPTED: AuthorizationStatus.accepted,
    AuthStatus.BLOCKED: AuthorizationStatus.blocked,
    AuthStatus.EXPIRED: AuthorizationStatus.expired,
    AuthStatus.CONCURRENT_TX: AuthorizationStatus.concurrent_tx,
}


def evse_of(connector_id: int) -> tuple[int, int]:
    """(evse_id, connector_id) of a 1.6 connectorId."""
    if connector_id < 0:
        raise InvalidInput("connectorId", "a connector id is 0 (the station) or positive")
    return (connector_id, 1) if connector_id > 0 else (0, 0)


def id_tag_info(decision: Decision) -> IdTagInfo:
    return IdTagInfo(
        status=_AUTH_16.get(decision.status, AuthorizationStatus.invalid),
        expiry_date=iso(decision.expires_at) if decision.expires_at else None,
        parent_id_tag=decision.group,
    )


def samples_of(meter_values: list[dict[str, Any]], path: str) -> list[Sample]:
    """1.6 MeterValue[] (snake_case keys) as protocol-neutral samples. A SignedData sample keeps
    its value verbatim in signed_data (e.g. OCMF); its numeric value is not a reading (0)."""
    out = []
    for i, mv in enumerate(meter_values):
        at = parse_timestamp(mv["timestamp"], path=f"{path}[{i}].timestamp")
        for j, sv in enumerate(mv["sampled_value"]):
            signed = sv.get("format") == "SignedData"
            out.append(
                Sample(
                    sampled_at=at,
                    value=Decimal(0)
                    if signed
                    else parse_value(sv["value"], f"{path}[{i}].sampledValue[{j}].value"),
                    measurand=sv.get("measurand") or DEFAULT_MEASURAND,
                    unit=sv.get("unit"),
                    phase=sv.get("phase"),
                    context=sv.get("context"),
                    location=sv.get("location"),
                    signed_data=sv["value"] if signed else None,
                )
            )
    return out


class V16Station(StationBase, ChargePoint):  # type: ignore[misc]
    codes = V16_CODES
    actions = frozenset(a.value for a in Action)

    @on(Action.boot_notification)
    async def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **kw: Any) -> Any:
        now = self.now()
        info = live.BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=kw.get("charge_point_serial_number") or kw.get("charge_box_serial_number"),
            firmware_version=kw.get("firmware_version"),
            iccid=kw.get("iccid"),
            imsi=kw.get("imsi"),
        )
        answer = await self.service(live.boot, self.link.pk, info, self.payload, now, self.intervals)
        self.link.registration_status = answer.status
        return call_result.BootNotification(
            current_time=iso(now), interval=answer.interval_s, status=_REGISTRATION[answer.status]
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self) -> Any:
        now = self.now()
        await self.service(live.heartbeat, self.link.pk, now)
        return call_result.Heartbeat(current_time=iso(now))

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id: int, error_code: str, status: str, **kw: Any) -> Any:
        now = self.now()
        evse_id, connector = evse_of(connector_id)
        report = live.StatusReport(
            evse_id=evse_id,
            connector_id=connector,
            status=status,
            at=parse_timestamp(kw.get("timestamp"), now),
            error_code=error_code,
            info=kw.get("info"),
            vendor_id=kw.get("vendor_id"),
            vendor_error_code=kw.get("vendor_error_code"),
        )
        await self.service(live.status, self.link.pk, report, now)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> Any:
        decision = await self.service(authorization.authorize_request, self.link.pk, id_tag, None, self.now())
        return call_result.Authorize(id_tag_info=id_tag_info(decision))

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **kw: Any
    ) -> Any:
        started_at = parse_timestamp(timestamp, self.now())
        evse_id, connector = evse_of(connector_id)
        req = StartRequest(
            evse_id=evse_id,
            connector_id=connector,
            id_token=id_tag,
            id_token_type=None,
            meter_start_wh=meter_start,
            started_at=started_at,
            # The 1.6 retry rule: same connector, idTag, timestamp and meterStart = the same start.
            start_key=f"{connector_id}|{id_tag}|{iso(started_at)}|{meter_start}",
        )
        started = await self.service(sessions.start_session, self.link.pk, self.link.protocol, req)
        return call_result.StartTransaction(
            transaction_id=int(started.transaction_id), id_tag_info=id_tag_info(started.decision)
        )

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **kw: Any
    ) -> Any:
        req = StopRequest(
            transaction_id=str(transaction_id),
            meter_stop_wh=meter_stop,
            stopped_at=parse_timestamp(timestamp, self.now()),
            reason=kw.get("reason") or "Local",  # 1.6: an absent reason means Local
            id_token=kw.get("id_tag"),
            samples=samples_of(kw.get("transaction_data") or [], "transactionData"),
        )
        stopped = await self.service(sessions.stop_session, self.link.pk, self.link.protocol, req)
        info = id_tag_info(stopped.decision) if stopped.decision else None
        return call_result.StopTransaction(id_tag_info=info)

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]], **kw: Any) -> Any:
        evse_id, connector = evse_of(connector_id)
        tx = kw.get("transaction_id")
        await self.service(
            sessions.meter_values,
            self.link.pk,
            samples_of(meter_value, "meterValue"),
            transaction_id=None if tx is None else str(tx),
            evse_id=evse_id,
            connector_id=connector,
        )
        return call_result.MeterValues()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kw: Any) -> Any:
        # No vendor extension is handled yet; kept for whoever adds one.
        await self.service(live.event, self.link.pk, "DataTransfer", self.payload, self.now())
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, status: str) -> Any:
        await self.service(
            live.event, self.link.pk, "DiagnosticsStatusNotification", self.payload, self.now()
        )
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status: str) -> Any:
        await self.service(live.event, self.link.pk, "FirmwareStatusNotification", self.payload, self.now())
        return call_result.FirmwareStatusNotification()

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type: str, timestamp: str, **kw: Any) -> Any:
        at = parse_timestamp(timestamp, self.now())
        await self.service(live.event, self.link.pk, "SecurityEventNotification", self.payload, at)
        return call_result.SecurityEventNotification()
