"""Bad frames get the CALLERROR OCPP-J 1.6 names (spelled as in 1.6: FormationViolation,
OccurenceConstraintViolation), the connection stays open and nothing is written; a frame above
the size limit closes the connection with 1009."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection

from depotshare.store.charging.models import ChargingSession, MeterValue, StationEvent
from tests.ocpp.conftest import Served, raw_socket

START = {"connectorId": 1, "idTag": "04A2B3C4D5E6F7", "meterStart": 0, "timestamp": "2026-03-01T10:00:00Z"}
MV = {
    "connectorId": 1,
    "meterValue": [{"timestamp": "2026-03-01T10:00:00Z", "sampledValue": [{"value": "1"}]}],
}

CASES = [
    # (frame, expected message id, code)
    ("this is not json", "-1", "FormationViolation"),
    ('[2, "m1", "Heartbeat", {}', "-1", "FormationViolation"),
    ('{"not": "an array"}', "-1", "ProtocolError"),
    ('[2, "m2", "Heartbeat"]', "m2", "ProtocolError"),
    ('[2, 17, "Heartbeat", {}]', "-1", "ProtocolError"),
    ('[7, "m3", "Heartbeat", {}]', "m3", "PropertyConstraintViolation"),
    ('[2, "m4", "FlyToTheMoon", {}]', "m4", "NotImplemented"),
    ('[2, "m5", "RemoteStartTransaction", {"idTag": "X"}]', "m5", "NotSupported"),
    ('[2, "m6", "BootNotification", {"chargePointVendor": "ABB"}]', "m6", "ProtocolError"),
    (
        '[2, "m7", "BootNotification", {"chargePointVendor": 5, "chargePointModel": "T"}]',
        "m7",
        "TypeConstraintViolation",
    ),
    (
        '[2, "m8", "BootNotification", {"chargePointVendor": "' + "V" * 21 + '", "chargePointModel": "T"}]',
        "m8",
        "TypeConstraintViolation",
    ),
    ('[2, "m9", "Heartbeat", {"surprise": 1}]', "m9", "FormationViolation"),
    (
        '[2, "m10", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}]',
        "m10",
        "PropertyConstraintViolation",
    ),
    (
        '[2, "m11", "MeterValues", {"connectorId": 1, "meterValue": []}]',
        "m11",
        "OccurenceConstraintViolation",
    ),
    (
        '[2, "m12", "StartTransaction", ' + json.dumps({**START, "timestamp": "yesterday"}) + "]",
        "m12",
        "PropertyConstraintViolation",
    ),
    (
        '[2, "m13", "MeterValues", '
        + json.dumps(
            {**MV, "meterValue": [{"timestamp": "2026-03-01T10:00:00Z", "sampledValue": [{"value": "ten"}]}]}
        )
        + "]",
        "m13",
        "PropertyConstraintViolation",
    ),
    ('[2, "m14", "Heartbeat", []]', "m14", "TypeConstraintViolation"),
    (
        '[2, "m15", "StartTransaction", ' + json.dumps({**START, "meterStart": 10**17}) + "]",
        "m15",
        "PropertyConstraintViolation",
    ),
    (
        '[2, "m16", "StopTransaction", {"meterStop": 1, "timestamp": "2026-03-01T10:00:00Z", "transactionId": 1'
        + "0" * 40
        + "}]",
        "m16",
        "TypeConstraintViolation",  # integers beyond 64 bits are read as floats
    ),
    (
        '[2, "m17", "MeterValues", '
        + json.dumps(
            {**MV, "meterValue": [{"timestamp": "2026-03-01T10:00:00Z", "sampledValue": [{"value": "1e30"}]}]}
        )
        + "]",
        "m17",
        "PropertyConstraintViolation",
    ),
    (
        '[2, "m18", "StatusNotification", {"connectorId": -1, "errorCode": "NoError", "status": "Available"}]',
        "m18",
        "PropertyConstraintViolation",
    ),
]


async def _still_open(ws: ClientConnection) -> None:
    await ws.send('[2, "alive", "Heartbeat", {}]')
    answer = json.loads(await ws.recv())
    assert answer[:2] == [3, "alive"] and "currentTime" in answer[2]


@pytest.mark.parametrize(("frame", "message_id", "code"), CASES, ids=[c[2] + ":" + c[0][:30] for c in CASES])
async def test_bad_frame_answered_and_connection_kept(
    served: Served, depot: None, frame: str, message_id: str, code: str
) -> None:
    async with raw_socket(served, "HH-02") as ws:
        await ws.send(frame)
        answer = json.loads(await ws.recv())
        assert answer[0] == 4 and answer[1] == message_id and answer[2] == code, answer
        assert isinstance(answer[3], str) and isinstance(answer[4], dict)
        await _still_open(ws)
    async with served.runtime.uow() as uow:
        for model in (ChargingSession, MeterValue, StationEvent):
            assert await uow.session.scalar(select(func.count()).select_from(model)) == 0


async def test_unsolicited_answers_are_ignored(served: Served, depot: None) -> None:
    async with raw_socket(served, "HH-02") as ws:
        await ws.send('[3, "nobody-asked", {}]')
        await ws.send('[4, "nobody-asked", "GenericError", "", {}]')
        await _still_open(ws)


async def test_binary_frame_is_read_as_text(served: Served, depot: None) -> None:
    async with raw_socket(served, "HH-02") as ws:
        await ws.send(b'[2, "bin", "Heartbeat", {}]')
        assert json.loads(await ws.recv())[:2] == [3, "bin"]


async def test_frame_too_large_closes_with_1009(served: Served, depot: None) -> None:
    limit = served.runtime.settings.ocpp_max_frame_bytes
    padding = "x" * (limit + 1)
    async with raw_socket(served, "HH-02", max_size=None) as ws:
        await ws.send(f'[2, "big", "DataTransfer", {{"vendorId": "V", "data": "{padding}"}}]')
        await ws.wait_closed()
        assert ws.close_code == 1009
