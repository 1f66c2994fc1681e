"""OCPP 2.0.1 station -> central system, end to end: boot, heartbeat, status per EVSE and
connector, Authorize with the decision's status, expiry and group, the events kept verbatim
(NotifyReport, NotifyEvent, SecurityEventNotification...), and bad frames answered with the codes
2.0.1 spells (FormatViolation, OccurrenceConstraintViolation, MessageTypeNotSupported)."""

from __future__ import annotations

import json

import pytest
from ocpp.v201 import call
from sqlalchemy import func, select

from depotshare.store.charging.models import ChargingSession, ConnectorStatus, StationEvent, StatusEvent
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import BLOCKED, CARD, EXPIRED, PARTNER, STATION_PASSWORD, Served, raw_socket
from tests.ocpp.v201_station import booted, station201, station_events
from tests.support.charging_rows import access_decisions


async def test_boot_heartbeat_and_status(served: Served, depot: None) -> None:
    async with station201(served, "HH-01", password=STATION_PASSWORD) as cp:
        boot = await cp.call(
            call.BootNotification(
                charging_station={
                    "model": "Terra 184",
                    "vendor_name": "ABB",
                    "serial_number": "SN-201",
                    "firmware_version": "1.8.3",
                    "modem": {"iccid": "8949000000000000001", "imsi": "262010000000001"},
                },
                reason="PowerUp",
            )
        )
        assert (boot.status, boot.interval) == ("Accepted", served.runtime.settings.heartbeat_interval_s)
        assert (await cp.call(call.Heartbeat())).current_time.endswith("Z")
        await cp.call(
            call.StatusNotification(
                timestamp="2026-03-01T10:00:00Z", connector_status="Occupied", evse_id=2, connector_id=1
            )
        )
        await cp.call(
            call.StatusNotification(
                timestamp="2026-03-01T09:00:00Z", connector_status="Available", evse_id=2, connector_id=1
            )
        )  # queued offline: history only
    async with served.runtime.uow() as uow:
        station = await uow.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == "HH-01"))
        assert station is not None
        assert (station.vendor, station.model, station.serial_number, station.firmware_version) == (
            "ABB",
            "Terra 184",
            "SN-201",
            "1.8.3",
        )
        assert (station.iccid, station.imsi, station.protocol) == (
            "8949000000000000001",
            "262010000000001",
            "ocpp2.0.1",
        )
        current = [
            (r.evse_id, r.connector_id, r.status) for r in await uow.session.scalars(select(ConnectorStatus))
        ]
        history = await uow.session.scalar(select(func.count()).select_from(StatusEvent))
    assert current == [(2, 1, "Occupied")]
    assert history == 2


async def _station(served: Served, ocpp_id: str) -> ChargingStation:
    async with served.runtime.uow() as uow:
        station = await uow.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == ocpp_id))
        assert station is not None
        uow.session.expunge(station)
        return station


async def test_a_boot_we_asked_for_is_no_restart(served: Served, depot: None) -> None:
    """TriggerMessage(BootNotification) makes a station boot with reason Triggered: answered by
    the same interval rule and kept, but no restart: `last_boot_at` stays that of the real boot."""
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        restarted = (await _station(served, "HH-02")).last_boot_at
        answer = await booted(cp, reason="Triggered")
        assert (answer.status, answer.interval) == ("Accepted", served.runtime.settings.heartbeat_interval_s)
    station = await _station(served, "HH-02")
    assert restarted is not None and station.last_boot_at == restarted
    assert station.last_seen_at is not None and station.last_seen_at > restarted
    assert len(await station_events(served, "BootNotification")) == 2


@pytest.mark.parametrize(
    ("uid", "status"),
    [
        (CARD, "Accepted"),
        (BLOCKED, "Blocked"),
        (EXPIRED, "Expired"),
        (PARTNER, "NotAtThisLocation"),
        ("0011223344", "Unknown"),
    ],
)
async def test_authorize(served: Served, depot: None, uid: str, status: str) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        answer = await cp.call(call.Authorize(id_token={"id_token": uid, "type": "ISO14443"}))
    assert answer.id_token_info["status"] == status
    decisions = await access_decisions(served.runtime)
    assert [(d.source, d.id_token, d.decision) for d in decisions] == [("Authorize", uid, status)]


async def test_authorize_tells_expiry_and_group(served: Served, depot: None) -> None:
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        answer = await cp.call(call.Authorize(id_token={"id_token": CARD, "type": "ISO14443"}))
    # valid until 2099-12-31 at the depot in Europe/Berlin: the end of that local day
    assert answer.id_token_info == {
        "status": "Accepted",
        "cache_expiry_date_time": "2099-12-31T23:00:00.000Z",
        "group_id_token": {"id_token": "ACME-FLEET", "type": "Central"},
        "charging_priority": 9,  # the owner's fleet: priority class 1
    }


async def test_events_kept_verbatim(served: Served, depot: None) -> None:
    report = [
        {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
            "variable_attribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
        }
    ]
    async with station201(served, "HH-02") as cp:
        await booted(cp)
        await cp.call(
            call.NotifyReport(
                request_id=7, generated_at="2026-03-01T10:00:00Z", seq_no=0, tbc=False, report_data=report
            )
        )
        await cp.call(
            call.NotifyEvent(
                generated_at="2026-03-01T10:01:00Z",
                seq_no=0,
                event_data=[
                    {
                        "event_id": 1,
                        "timestamp": "2026-03-01T10:01:00Z",
                        "trigger": "Delta",
                        "actual_value": "Faulted",
                        "event_notification_type": "HardWiredNotification",
                        "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
                        "variable": {"name": "AvailabilityState"},
                    }
                ],
            )
        )
        await cp.call(
            call.SecurityEventNotification(type="TamperDetectionActivated", timestamp="2026-03-01T10:02:00Z")
        )
        await cp.call(call.FirmwareStatusNotification(status="Installed"))
        data = await cp.call(call.DataTransfer(vendor_id="com.example", message_id="x"))
    assert data.status == "UnknownVendorId"
    (notified,) = await station_events(served, "NotifyReport")
    assert notified.payload["requestId"] == 7
    assert notified.payload["reportData"][0]["variable"] == {"name": "HeartbeatInterval"}
    assert notified.at.isoformat() == "2026-03-01T10:00:00+00:00"
    (event,) = await station_events(served, "NotifyEvent")
    assert event.payload["eventData"][0]["actualValue"] == "Faulted"
    (security,) = await station_events(served, "SecurityEventNotification")
    assert (security.payload["type"], security.at.isoformat()) == (
        "TamperDetectionActivated",
        "2026-03-01T10:02:00+00:00",
    )
    assert len(await station_events(served, "FirmwareStatusNotification")) == 1
    assert len(await station_events(served, "DataTransfer")) == 1


async def test_pending_station_may_only_boot(served: Served, depot: None) -> None:
    async with served.runtime.uow() as uow:
        station = await uow.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == "HH-02"))
        assert station is not None
        station.registration_status = "pending"
        await uow.commit()
    async with raw_socket(served, "HH-02", subprotocols=["ocpp2.0.1"]) as ws:
        await ws.send(
            json.dumps(
                [
                    2,
                    "b",
                    "BootNotification",
                    {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
                ]
            )
        )
        boot = json.loads(await ws.recv())
        assert (
            boot[2]["status"] == "Pending"
            and boot[2]["interval"] == served.runtime.settings.pending_boot_interval_s
        )
        await ws.send(json.dumps([2, "a", "Authorize", {"idToken": {"idToken": CARD, "type": "ISO14443"}}]))
        assert json.loads(await ws.recv())[2] == "SecurityError"


TX = {
    "eventType": "Started",
    "timestamp": "2026-03-01T10:00:00Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "t-1"},
}
CASES = [
    # (frame, expected message id, code): the 2.0.1 spellings
    ("not json", "-1", "FormatViolation"),
    ('[5, "m1", "Heartbeat", {}]', "m1", "MessageTypeNotSupported"),
    ('[2, "m2", "Heartbeat"]', "m2", "ProtocolError"),
    ('[2, "m3", "BeamMeUp", {}]', "m3", "NotImplemented"),
    ('[2, "m4", "RequestStartTransaction", {}]', "m4", "NotSupported"),
    (
        '[2, "m5", "TransactionEvent", ' + json.dumps({k: v for k, v in TX.items() if k != "seqNo"}) + "]",
        "m5",
        "OccurrenceConstraintViolation",
    ),
    (
        '[2, "m6", "TransactionEvent", ' + json.dumps({**TX, "seqNo": "zero"}) + "]",
        "m6",
        "TypeConstraintViolation",
    ),
    (
        '[2, "m7", "TransactionEvent", ' + json.dumps({**TX, "eventType": "Paused"}) + "]",
        "m7",
        "PropertyConstraintViolation",
    ),
    (
        '[2, "m8", "TransactionEvent", ' + json.dumps({**TX, "timestamp": "soon"}) + "]",
        "m8",
        "PropertyConstraintViolation",
    ),
    ('[2, "m9", "Heartbeat", {"extra": true}]', "m9", "FormatViolation"),
    (
        '[2, "m10", "TransactionEvent", '
        + json.dumps({**TX, "meterValue": [{"timestamp": "2026-03-01T10:00:00Z", "sampledValue": []}]})
        + "]",
        "m10",
        "OccurrenceConstraintViolation",
    ),
]


@pytest.mark.parametrize(("frame", "message_id", "code"), CASES, ids=[c[2] + ":" + c[0][:24] for c in CASES])
async def test_bad_frame_answered_with_201_codes(
    served: Served, depot: None, frame: str, message_id: str, code: str
) -> None:
    async with raw_socket(served, "HH-02", subprotocols=["ocpp2.0.1"]) as ws:
        await ws.send(frame)
        answer = json.loads(await ws.recv())
        assert answer[0] == 4 and answer[1] == message_id and answer[2] == code, answer
        await ws.send('[2, "alive", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[:2] == [3, "alive"]
    async with served.runtime.uow() as uow:
        for model in (ChargingSession, StationEvent):
            assert await uow.session.scalar(select(func.count()).select_from(model)) == 0
