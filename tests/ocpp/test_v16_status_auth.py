"""StatusNotification (current state per connector and history), Authorize (the access rule
through the authorization service, with expiry and group in idTagInfo), other station events."""

from __future__ import annotations

import pytest
from ocpp.v16 import call
from sqlalchemy import select

from depotshare.store.charging.models import ConnectorStatus, StationEvent, StatusEvent
from tests.ocpp.conftest import BLOCKED, CARD, EXPIRED, PARTNER, Served, station16
from tests.support.charging_rows import access_decisions


def _status(
    connector: int, status: str, at: str, error: str = "NoError", **kw: str
) -> call.StatusNotification:
    return call.StatusNotification(
        connector_id=connector, error_code=error, status=status, timestamp=at, **kw
    )


async def test_status_current_and_history(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        await cp.call(_status(0, "Available", "2026-03-01T10:00:00Z"))
        await cp.call(_status(1, "Preparing", "2026-03-01T10:01:00Z"))
        await cp.call(_status(1, "Charging", "2026-03-01T10:02:00Z"))
        await cp.call(
            _status(
                2,
                "Faulted",
                "2026-03-01T10:03:00Z",
                "GroundFailure",
                vendor_id="ABB",
                vendor_error_code="E42",
            )
        )
        # Queued offline and sent late: history gets it, the current state stays newer.
        await cp.call(_status(1, "Available", "2026-03-01T09:00:00Z"))
        # No timestamp: the time it arrived.
        await cp.call(call.StatusNotification(connector_id=2, error_code="NoError", status="Available"))
    async with served.runtime.uow() as uow:
        current = {
            (r.evse_id, r.connector_id): (r.status, r.error_code, r.vendor_error_code)
            for r in await uow.session.scalars(select(ConnectorStatus))
        }
        history = [
            (r.evse_id, r.status, r.at.isoformat())
            for r in await uow.session.scalars(select(StatusEvent).order_by(StatusEvent.id))
        ]
    assert current == {
        (0, 0): ("Available", "NoError", None),
        (1, 1): ("Charging", "NoError", None),
        (2, 1): ("Available", "NoError", None),
    }
    assert history[:5] == [
        (0, "Available", "2026-03-01T10:00:00+00:00"),
        (1, "Preparing", "2026-03-01T10:01:00+00:00"),
        (1, "Charging", "2026-03-01T10:02:00+00:00"),
        (2, "Faulted", "2026-03-01T10:03:00+00:00"),
        (1, "Available", "2026-03-01T09:00:00+00:00"),
    ]
    assert len(history) == 6


@pytest.mark.parametrize(
    ("id_tag", "status", "reason"),
    [
        (CARD, "Accepted", "token of the station owner's organisation"),
        ("04:a2:b3:c4:d5:e6:f7", "Accepted", "token of the station owner's organisation"),
        ("DEADBEEF", "Invalid", "unknown token"),
        (BLOCKED, "Blocked", "token is blocked"),
        (EXPIRED, "Expired", "token expired after 2020-01-31"),
        (PARTNER, "Invalid", "not allowed at this location"),
    ],
)
async def test_authorize(served: Served, depot: None, id_tag: str, status: str, reason: str) -> None:
    async with station16(served, "HH-02") as cp:
        answer = await cp.call(call.Authorize(id_tag=id_tag))
    assert answer.id_tag_info["status"] == status
    decisions = await access_decisions(served.runtime)
    assert [(d.id_token, d.reason, d.source) for d in decisions] == [(id_tag, reason, "Authorize")]


async def test_authorize_tells_expiry_and_group(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        info = (await cp.call(call.Authorize(id_tag=CARD))).id_tag_info
    # Valid through 2099-12-31 in the depot's time zone (Europe/Berlin, UTC+1 in winter).
    assert info == {
        "status": "Accepted",
        "expiry_date": "2099-12-31T23:00:00.000Z",
        "parent_id_tag": "ACME-FLEET",
    }


async def test_station_events_kept_verbatim(served: Served, depot: None) -> None:
    async with station16(served, "HH-02") as cp:
        answer = await cp.call(call.DataTransfer(vendor_id="com.example", message_id="Hello", data="{}"))
        assert answer.status == "UnknownVendorId"
        await cp.call(call.DiagnosticsStatusNotification(status="Uploaded"))
        await cp.call(call.FirmwareStatusNotification(status="Installed"))
    async with served.runtime.uow() as uow:
        events = [
            (e.kind, e.payload)
            for e in await uow.session.scalars(select(StationEvent).order_by(StationEvent.id))
        ]
    assert events == [
        ("DataTransfer", {"vendorId": "com.example", "messageId": "Hello", "data": "{}"}),
        ("DiagnosticsStatusNotification", {"status": "Uploaded"}),
        ("FirmwareStatusNotification", {"status": "Installed"}),
    ]
