"""OCPP 2.0.1, station -> central system. Each handler: payload -> service call -> reply, built
after the service has committed. EVSE and connector ids are ours as they are (1.6 maps its
connectors onto them); sampled values are numbers with a unitOfMeasure (unit, multiplier)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action, DataTransferStatusEnumType, RegistrationStatusEnumType

from depotshare.domain.access.decision import Decision
from depotshare.domain.charging.meter import DEFAULT_MEASURAND, Sample, parse_value
from depotshare.ocpp.errors import V201_CODES
from depotshare.ocpp.quirks import iso, parse_timestamp
from depotshare.ocpp.station import StationBase, on
from depotshare.services.access import authorization
from depotshare.services.charging import recording as sessions
from depotshare.services.charging import transaction_events
from depotshare.services.charging.transaction_events import TransactionEvent
from depotshare.services.sites import connected_stations as live

SUBPROTOCOL = "ocpp2.0.1"
_REGISTRATION = {
    "accepted": RegistrationStatusEnumType.accepted,
    "pending": RegistrationStatusEnumType.pending,
    "rejected": RegistrationStatusEnumType.rejected,
}


def id_token_info(decision: Decision) -> dict[str, Any]:
    """idTokenInfo (snake_case for the library): the neutral status is spelled as 2.0.1 spells it."""
    info: dict[str, Any] = {"status": decision.status.value}
    if decision.expires_at is not None:
        info["cache_expiry_date_time"] = iso(decision.expires_at)
    if decision.group:
        info["group_id_token"] = {"id_token": decision.group, "type": "Central"}
    if decision.accepted and decision.charging_priority is not None:
        # From the grant's priority class: the station's local smart charging may act on it.
        info["charging_priority"] = decision.charging_priority
    return info


def samples_of(meter_values: list[dict[str, Any]], path: str) -> list[Sample]:
    """2.0.1 MeterValue[] (snake_case keys) as protocol-neutral samples. A value with a
    signedMeterValue is stored twice: as the reading it is, and beside it the signed data
    (verbatim, e.g. OCMF) under the same value, which no meter rule reads."""
    out = []
    for i, mv in enumerate(meter_values):
        at = parse_timestamp(mv["timestamp"], path=f"{path}[{i}].timestamp")
        for j, sv in enumerate(mv["sampled_value"]):
            unit = sv.get("unit_of_measure") or {}
            sample = Sample(
                sampled_at=at,
                value=parse_value(sv["value"], f"{path}[{i}].sampledValue[{j}].value"),
                measurand=sv.get("measurand") or DEFAULT_MEASURAND,
                unit=unit.get("unit"),
                multiplier=int(unit.get("multiplier") or 0),
                phase=sv.get("phase"),
                context=sv.get("context"),
                location=sv.get("location"),
            )
            out.append(sample)
            signed = sv.get("signed_meter_value")
            if signed:
                out.append(
                    replace(
                        sample,
                        signed_data=signed["signed_meter_data"],
                        signing_method=signed.get("signing_method"),
                        public_key=signed.get("public_key") or None,
                    )
                )
    return out


class V201Station(StationBase, ChargePoint):  # type: ignore[misc]
    codes = V201_CODES
    actions = frozenset(a.value for a in Action)

    @on(Action.boot_notification)
    async def on_boot_notification(self, charging_station: dict[str, Any], reason: str, **kw: Any) -> Any:
        now = self.now()
        modem = charging_station.get("modem") or {}
        info = live.BootInfo(
            vendor=charging_station["vendor_name"],
            model=charging_station["model"],
            serial_number=charging_station.get("serial_number"),
            firmware_version=charging_station.get("firmware_version"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
        )
        answer = await self.service(
            live.boot, self.link.pk, info, self.payload, now, self.intervals, reason=reason
        )
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
    async def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **kw: Any
    ) -> Any:
        now = self.now()
        report = live.StatusReport(
            evse_id=evse_id,
            connector_id=connector_id,
            status=connector_status,
            at=parse_timestamp(timestamp, now),
        )
        await self.service(live.status, self.link.pk, report, now)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **kw: Any) -> Any:
        decision = await self.service(
            authorization.authorize_request, self.link.pk, id_token["id_token"], None, self.now()
        )
        return call_result.Authorize(id_token_info=id_token_info(decision))

    @on(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        **kw: Any,
    ) -> Any:
        evse = kw.get("evse") or {}
        token = kw.get("id_token") or {}
        event = TransactionEvent(
            event_type=event_type,
            at=parse_timestamp(timestamp, path="timestamp"),
            trigger_reason=trigger_reason,
            seq_no=seq_no,
            transaction_id=transaction_info["transaction_id"],
            stopped_reason=transaction_info.get("stopped_reason"),
            offline=bool(kw.get("offline")),
            evse_id=evse.get("id"),
            connector_id=evse.get("connector_id"),
            id_token=token.get("id_token"),
            id_token_type=token.get("type"),
            samples=samples_of(kw.get("meter_value") or [], "meterValue"),
        )
        applied = await self.service(transaction_events.apply, self.link.pk, self.link.protocol, event)
        # idTokenInfo is due whenever the request carried an idToken (E01.FR.xx/E05).
        info = id_token_info(applied.decision) if applied.decision is not None else None
        return call_result.TransactionEvent(id_token_info=info)

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]], **kw: Any) -> Any:
        # Outside a transaction (inside one they come as TransactionEvent Updated): the station's.
        await self.service(
            sessions.meter_values, self.link.pk, samples_of(meter_value, "meterValue"), evse_id=evse_id
        )
        return call_result.MeterValues()

    async def _keep(self, kind: str, at: str | None = None) -> None:
        """Kept verbatim as a station event, at the station's time when the message has one."""
        now = self.now()
        await self.service(live.event, self.link.pk, kind, self.payload, parse_timestamp(at, now))

    @on(Action.notify_event)
    async def on_notify_event(self, generated_at: str, **kw: Any) -> Any:
        await self._keep("NotifyEvent", generated_at)
        return call_result.NotifyEvent()

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type: str, timestamp: str, **kw: Any) -> Any:
        await self._keep("SecurityEventNotification", timestamp)
        return call_result.SecurityEventNotification()

    @on(Action.notify_report)
    async def on_notify_report(self, request_id: int, generated_at: str, seq_no: int, **kw: Any) -> Any:
        await self._keep("NotifyReport", generated_at)
        return call_result.NotifyReport()

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status: str, **kw: Any) -> Any:
        await self._keep("FirmwareStatusNotification")
        return call_result.FirmwareStatusNotification()

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status: str, **kw: Any) -> Any:
        await self._keep("LogStatusNotification")
        return call_result.LogStatusNotification()

    @on(Action.reservation_status_update)
    async def on_reservation_status_update(
        self, reservation_id: int, reservation_update_status: str, **kw: Any
    ) -> Any:
        await self._keep("ReservationStatusUpdate")
        return call_result.ReservationStatusUpdate()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kw: Any) -> Any:
        await self._keep("DataTransfer")  # no vendor extension is handled yet
        return call_result.DataTransfer(status=DataTransferStatusEnumType.unknown_vendor_id)
