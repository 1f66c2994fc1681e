"""Partner access end to end: the issue's scenario table driven through real stations of both
protocol versions (1.6 StartTransaction, 2.0.1 TransactionEvent Started), decided by the engine
with the grants the import wrote, answered with the right status and logged per location."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ocpp.v16 import call as call16
from sqlalchemy import select, update

from depotshare.domain.common.actor import Actor
from depotshare.domain.setup import read_text
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer import import_document
from depotshare.store.access.models import Grant, Partnership
from depotshare.store.charging.models import ChargingSession
from depotshare.store.fleet.models import Token
from tests.ocpp.conftest import Served, station16
from tests.ocpp.v201_station import booted, station201, tx_event
from tests.support.charging_rows import access_decisions

SETUP = """
organisations:
  - key: acme
    name: ACME Holding
    children: [{key: acme-north, name: ACME North}]
  - key: swift
    name: Swift Transport
    children: [{key: swift-sub, name: Swift Subcontractor}]
  - key: other
    name: Someone Else
locations:
  - key: depot-hamburg
    org: acme-north
    name: Depot Hamburg
    timezone: Europe/Berlin
    stations:
      - id: HH-01
        evses:
          - {id: 1, connectors: [{id: 1, standard: IEC_62196_T2_COMBO, max_kw: 150}]}
          - {id: 2, connectors: [{id: 1, standard: IEC_62196_T2_COMBO, max_kw: 150}]}
  - key: depot-bremen
    org: acme-north
    name: Depot Bremen
    timezone: Europe/Berlin
    stations:
      - id: HB-01
        evses: [{id: 1, connectors: [{id: 1, standard: IEC_62196_T2_COMBO, max_kw: 150}]}]
tokens:
  - {uid: "5A1F7001", org: swift, type: RFID, group: SWIFT-FLEET}
  - {uid: "5A1F7002", org: swift-sub, type: RFID, group: SWIFT-FLEET}
  - {uid: "5A1F7003", org: swift, type: RFID}
  - {uid: "0E7E0001", org: other, type: RFID}
partnerships:
  - key: swift-at-acme
    host: acme-north
    partner: swift
    grants:
      - key: swift-nights
        locations: [depot-hamburg]
        group: SWIFT-FLEET
        days: [mon, tue, wed, thu, fri]
        hours: "20:00-06:00"
        valid_from: 2026-01-01
        valid_until: 2026-12-31
        max_concurrent: 1
        priority: 2
"""

SWIFT, SWIFT_SUB, SWIFT_NO_GROUP, OTHER = "5A1F7001", "5A1F7002", "5A1F7003", "0E7E0001"
IN_WINDOW = "2026-11-17T21:00:00Z"  # Tuesday 22:00 in Hamburg
OUT_OF_WINDOW = "2026-11-17T13:00:00Z"  # Tuesday 14:00
AFTER_EXPIRY = "2027-01-05T21:00:00Z"  # Tuesday 22:00, after the grant's last day


async def setup(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await import_document(uow, read_text(SETUP), Actor.system("test"), "scenario")


async def block_token(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await uow.session.execute(update(Token).where(Token.uid == SWIFT).values(status="blocked"))
        await uow.commit()


async def suspend_partnership(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await uow.session.execute(update(Partnership).values(status="suspended"))
        await uow.commit()


async def suspend_grant(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await uow.session.execute(update(Grant).where(Grant.key == "swift-nights").values(status="suspended"))
        await uow.commit()


async def all_sessions(runtime: Runtime) -> list[ChargingSession]:
    async with runtime.uow() as uow:
        rows = list((await uow.session.scalars(select(ChargingSession).order_by(ChargingSession.id))).all())
        uow.session.expunge_all()
        return rows


@dataclass(frozen=True)
class Scenario:
    name: str
    token: str
    at: str
    status201: str
    status16: str
    reason: str  # a fragment of the logged reason
    station: str = "HH-01"
    before: Callable[[Runtime], Awaitable[None]] | None = None


SCENARIOS = [
    Scenario("granted partner in its window", SWIFT, IN_WINDOW, "Accepted", "Accepted", "grant swift-nights"),
    Scenario(
        "same token outside the window", SWIFT, OUT_OF_WINDOW, "NotAtThisTime", "Invalid", "outside grant"
    ),
    Scenario(
        "at an ungranted location",
        SWIFT,
        IN_WINDOW,
        "NotAtThisLocation",
        "Invalid",
        "not allowed at this location",
        station="HB-01",
    ),
    Scenario(
        "after grant expiry", SWIFT, AFTER_EXPIRY, "NotAtThisTime", "Invalid", "is not valid on 2027-01-05"
    ),
    Scenario(
        "after the token is blocked", SWIFT, IN_WINDOW, "Blocked", "Blocked", "blocked", before=block_token
    ),
    Scenario(
        "after the partnership is suspended",
        SWIFT,
        IN_WINDOW,
        "Invalid",
        "Invalid",
        "partnership swift-at-acme is suspended",
        before=suspend_partnership,
    ),
    Scenario("an unknown third-party token", "DEADBEEF01", IN_WINDOW, "Unknown", "Invalid", "unknown token"),
    Scenario(
        "a known token of a company without partnership",
        OTHER,
        IN_WINDOW,
        "NotAtThisLocation",
        "Invalid",
        "not allowed at this location",
    ),
    Scenario(
        "a group member in a sub-organisation", SWIFT_SUB, IN_WINDOW, "Accepted", "Accepted", "swift-nights"
    ),
    Scenario(
        "a partner token outside the granted group",
        SWIFT_NO_GROUP,
        IN_WINDOW,
        "NotAtThisLocation",
        "Invalid",
        "not allowed at this location",
    ),
]


async def start16(served: Served, station: str, token: str, at: str, connector: int = 1) -> dict[str, Any]:
    async with station16(served, station) as cp:
        answer = await cp.call(
            call16.StartTransaction(connector_id=connector, id_tag=token, meter_start=1000, timestamp=at)
        )
    info: dict[str, Any] = answer.id_tag_info
    return info


_tx = iter(range(1, 10_000))


async def start201(served: Served, station: str, token: str, at: str, evse: int = 1) -> dict[str, Any]:
    async with station201(served, station) as cp:
        await booted(cp)
        answer = await cp.call(tx_event("Started", 0, f"tx-{next(_tx)}", at, token=token, evse=evse))
    info: dict[str, Any] = answer.id_token_info
    return info


async def start(served: Served, protocol: str, station: str, token: str, at: str, evse: int = 1) -> str:
    if protocol == "1.6":
        return str((await start16(served, station, token, at, evse))["status"])
    return str((await start201(served, station, token, at, evse))["status"])


@pytest.mark.parametrize("protocol", ["1.6", "2.0.1"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_scenario(served: Served, protocol: str, scenario: Scenario) -> None:
    await setup(served.runtime)
    if scenario.before is not None:
        await scenario.before(served.runtime)
    status = await start(served, protocol, scenario.station, scenario.token, scenario.at)
    assert status == (scenario.status16 if protocol == "1.6" else scenario.status201)
    [decision] = await access_decisions(served.runtime)
    assert (decision.source, decision.id_token) == ("Start", scenario.token)
    assert decision.decision == scenario.status201  # the log keeps the specific status
    assert scenario.reason in (decision.reason or "")
    [session] = await all_sessions(served.runtime)
    # A refused start is recorded all the same, flagged so it is never billed unseen.
    assert ("unauthorised" in session.flags) == (status != "Accepted")


async def test_concurrent_limit_16(served: Served) -> None:
    await setup(served.runtime)
    answers = []
    async with station16(served, "HH-01") as cp:
        for connector, token in ((1, SWIFT), (2, SWIFT_SUB)):
            start = call16.StartTransaction(
                connector_id=connector, id_tag=token, meter_start=0, timestamp=IN_WINDOW
            )
            answers.append((await cp.call(start)).id_tag_info["status"])
    assert answers == ["Accepted", "ConcurrentTx"]
    refused = (await access_decisions(served.runtime))[-1]
    assert "allows 1 concurrent sessions here; 1 running" in (refused.reason or "")


async def test_concurrent_limit_201(served: Served) -> None:
    await setup(served.runtime)
    async with station201(served, "HH-01") as cp:
        await booted(cp)
        first = await cp.call(tx_event("Started", 0, "c-1", IN_WINDOW, token=SWIFT, evse=1))
        second = await cp.call(tx_event("Started", 0, "c-2", IN_WINDOW, token=SWIFT_SUB, evse=2))
    assert (first.id_token_info["status"], second.id_token_info["status"]) == ("Accepted", "ConcurrentTx")
    refused = (await access_decisions(served.runtime))[-1]
    assert "allows 1 concurrent sessions here; 1 running" in (refused.reason or "")


async def test_suspending_a_grant_keeps_the_running_session_and_refuses_the_next_start(
    served: Served,
) -> None:
    await setup(served.runtime)
    async with station201(served, "HH-01") as cp:
        await booted(cp)
        first = await cp.call(tx_event("Started", 0, "run-1", IN_WINDOW, token=SWIFT, evse=1))
        assert first.id_token_info["status"] == "Accepted"
        assert first.id_token_info["charging_priority"] == 8  # priority class 2
        await suspend_grant(served.runtime)
        await cp.call(tx_event("Updated", 1, "run-1", "2026-11-17T21:30:00Z", evse=1))
        second = await cp.call(
            tx_event("Started", 0, "run-2", "2026-11-17T21:31:00Z", token=SWIFT_SUB, evse=2)
        )
        assert second.id_token_info["status"] == "Invalid"
        await cp.call(tx_event("Ended", 2, "run-1", "2026-11-17T23:00:00Z", evse=1, stopped_reason="Local"))
    sessions = {s.transaction_id: s for s in await all_sessions(served.runtime)}
    running = sessions["run-1"]
    assert running.state == "completed" and "unauthorised" not in running.flags
    assert "unauthorised" in sessions["run-2"].flags
    log = await access_decisions(served.runtime)
    assert [(d.id_token, d.decision) for d in log] == [(SWIFT, "Accepted"), (SWIFT_SUB, "Invalid")]
    assert "grant swift-nights is suspended" in (log[-1].reason or "")
