"""The charge point simulator over real websockets: against a small CSMS made here with the
server side of the `ocpp` library (what the simulator sends, in which order, with which
timestamps), and through the `depotshare simulate` command line."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Cp16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as Cp201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from sqlalchemy import select
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from depotshare.simulator import scenario as sc
from depotshare.simulator.config import ConfigError, SimConfig
from depotshare.simulator.runner import run_stations, split
from depotshare.simulator.stats import Stats, percentile
from depotshare.store.charging.models import ChargingSession, MeterValue
from tests.ocpp.conftest import CARD, STATION_PASSWORD, Served, depot, served  # noqa: F401 - fixtures
from tests.support.paths import EXAMPLES

BIN = Path(sys.executable).parent / "depotshare"
NOW = lambda: datetime.now(UTC)  # noqa: E731
REJECTED = "DEADBEEF"  # a token the test CSMS refuses


@dataclass
class Seen:
    station: str
    action: str
    payload: dict[str, Any]
    at: datetime = field(default_factory=NOW)


@dataclass
class Csms:
    """What stations told us, and the live connection of each (to send commands)."""

    url: str = ""
    passwords: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    live: dict[str, Any] = field(default_factory=dict)
    connections: dict[str, ServerConnection] = field(default_factory=dict)
    tx_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    heartbeat: int = 60

    def of(self, station: str, action: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.station == station and (action is None or s.action == action)]

    async def until(
        self, station: str, action: str, count: int = 1, within_s: float = 10, **match: Any
    ) -> list[Seen]:
        """The messages of that kind once `count` of them (with these payload values) arrived."""

        def found() -> list[Seen]:
            return [
                s for s in self.of(station, action) if all(s.payload.get(k) == v for k, v in match.items())
            ]

        async with asyncio.timeout(within_s):
            while len(found()) < count:  # noqa: ASYNC110 - polling what the handlers recorded
                await asyncio.sleep(0.01)
        return found()


def _auth(tag: str) -> dict[str, str]:
    return {"status": "Invalid" if tag == REJECTED else "Accepted"}


class _RecordingCentral:
    """What both versions' test centrals do alike: record every message, accept the boot, answer
    the heartbeat, the status and the meter values with the version's empty result."""

    results: Any  # the version's `call_result` module

    def __init__(self, sid: str, ws: ServerConnection, csms: Csms) -> None:
        super().__init__(sid, ws)
        self.csms = csms

    def _see(self, action: str, **payload: Any) -> None:
        self.csms.seen.append(Seen(self.id, action, payload))

    @on("BootNotification")
    def boot(self, **p: Any) -> Any:
        self._see("BootNotification", **p)
        return self.results.BootNotification(
            current_time=NOW().isoformat(), interval=self.csms.heartbeat, status="Accepted"
        )

    @on("Heartbeat")
    def heartbeat(self, **p: Any) -> Any:
        self._see("Heartbeat", **p)
        return self.results.Heartbeat(current_time=NOW().isoformat())

    @on("StatusNotification")
    def status(self, **p: Any) -> Any:
        self._see("StatusNotification", **p)
        return self.results.StatusNotification()

    @on("MeterValues")
    def meter(self, **p: Any) -> Any:
        self._see("MeterValues", **p)
        return self.results.MeterValues()


class Central16(_RecordingCentral, Cp16):
    results = result16

    @on("Authorize")
    def authorize(self, id_tag: str, **p: Any) -> Any:
        self._see("Authorize", id_tag=id_tag, **p)
        return result16.Authorize(id_tag_info=_auth(id_tag))

    @on("StartTransaction")
    def on_start(self, id_tag: str, **p: Any) -> Any:
        self._see("StartTransaction", id_tag=id_tag, **p)
        return result16.StartTransaction(transaction_id=next(self.csms.tx_ids), id_tag_info=_auth(id_tag))

    @on("StopTransaction")
    def on_stop(self, **p: Any) -> Any:
        self._see("StopTransaction", **p)
        return result16.StopTransaction()


class Central201(_RecordingCentral, Cp201):
    results = result201

    @on("Authorize")
    def authorize(self, id_token: dict[str, Any], **p: Any) -> Any:
        self._see("Authorize", id_token=id_token, **p)
        return result201.Authorize(id_token_info=_auth(id_token["id_token"]))

    @on("TransactionEvent")
    def transaction_event(self, **p: Any) -> Any:
        self._see("TransactionEvent", **p)
        token = p.get("id_token")
        return result201.TransactionEvent(id_token_info=_auth(token["id_token"]) if token else None)

    @on("NotifyReport")
    def report(self, **p: Any) -> Any:
        self._see("NotifyReport", **p)
        return result201.NotifyReport()


@pytest.fixture
async def csms() -> AsyncIterator[Csms]:
    state = Csms()

    def check_password(conn: ServerConnection, request: Request) -> Response | None:
        sid = request.path.rsplit("/", 1)[-1]
        expected = state.passwords.get(sid)
        if expected is None:
            return None
        sent = request.headers.get("Authorization", "")
        if sent != "Basic " + base64.b64encode(f"{sid}:{expected}".encode()).decode():
            return conn.respond(401, "bad credentials\n")
        return None

    async def handler(ws: ServerConnection) -> None:
        sid = ws.request.path.rsplit("/", 1)[-1] if ws.request else "?"
        kind = Central16 if ws.subprotocol == "ocpp1.6" else Central201
        cp = kind(sid, ws, state)
        state.live[sid], state.connections[sid] = cp, ws
        with contextlib.suppress(ConnectionClosed):
            await cp.start()

    async with serve(
        handler, "127.0.0.1", 0, subprotocols=["ocpp1.6", "ocpp2.0.1"], process_request=check_password
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        state.url = f"ws://127.0.0.1:{port}/ocpp"
        yield state


def config(csms: Csms, protocol: str = "ocpp1.6", n: int = 1, **kw: Any) -> SimConfig:
    base = SimConfig(
        url=csms.url,
        station_ids=tuple(f"SIM-{i:03d}" for i in range(1, n + 1)),
        protocol=protocol,
        meter_interval_s=6.0,
        speed=60.0,  # a 6 s meter interval takes 0.1 s
        duration_s=0.6,
        call_timeout_s=5.0,
        meter_start_wh=1000,
    )
    return replace(base, **kw)


def plan(protocol: str, steps: list[Any]) -> sc.Scenario:
    return sc.parse_scenario(steps, protocol)


def register_values(seen: Seen, protocol: str) -> list[float]:
    """The import register readings in one MeterValues / TransactionEvent."""
    out = []
    for mv in seen.payload.get("meter_value") or []:
        for s in mv["sampled_value"]:
            if s.get(
                "measurand", "Energy.Active.Import.Register"
            ) == "Energy.Active.Import.Register" and not s.get("phase"):
                out.append(float(s["value"]))
    return out


# --- life cycle -----------------------------------------------------------------------------


async def test_v16_life_cycle_two_stations(csms: Csms) -> None:
    stats = await run_stations(config(csms, n=2))

    assert stats.ok, stats.error_samples
    assert (stats.stations, stats.booted, stats.sessions_done, stats.errors) == (2, 2, 2, 0)
    for sid in ("SIM-001", "SIM-002"):
        actions = [s.action for s in csms.of(sid) if s.action != "Heartbeat"]
        assert actions == [
            "BootNotification",
            "StatusNotification",
            "StatusNotification",
            "Authorize",
            "StartTransaction",
            "StatusNotification",
            *["MeterValues"] * 6,
            "StopTransaction",
            "StatusNotification",
            "StatusNotification",
        ]
        statuses = [s.payload["status"] for s in csms.of(sid, "StatusNotification")]
        assert statuses == ["Available", "Preparing", "Charging", "Finishing", "Available"]
        (start,) = csms.of(sid, "StartTransaction")
        (stop,) = csms.of(sid, "StopTransaction")
        assert start.payload["meter_start"] == 1000
        # 6 intervals of 6 s at 11 kW: 110 Wh
        assert stop.payload["meter_stop"] == 1110
        assert stop.payload["reason"] == "Local"
        assert stop.payload["transaction_id"] == csms.of(sid, "MeterValues")[0].payload["transaction_id"]
        contexts = [s["context"] for mv in stop.payload["transaction_data"] for s in mv["sampled_value"]]
        assert contexts == ["Transaction.Begin", "Transaction.End"]
        readings = [register_values(m, "ocpp1.6")[0] for m in csms.of(sid, "MeterValues")]
        assert readings == sorted(readings) and readings[-1] == 1110
        measurands = {
            (s["measurand"], s.get("phase"))
            for s in csms.of(sid, "MeterValues")[0].payload["meter_value"][0]["sampled_value"]
        }
        assert {
            ("Current.Import", "L1"),
            ("Current.Import", "L3"),
            ("Power.Active.Import", None),
        } <= measurands
    assert stats.energy_wh == 220
    figures = stats.per_action()
    assert (
        figures["MeterValues"]["count"] == 12
        and figures["MeterValues"]["p99_ms"] >= figures["MeterValues"]["p50_ms"] > 0
    )


async def test_v201_life_cycle(csms: Csms) -> None:
    stats = await run_stations(config(csms, "ocpp2.0.1", n=2, tokens=("04A2B3C4", "SIM-TOKEN-2")))

    assert stats.ok, stats.error_samples
    assert stats.sessions_done == 2
    for sid, uid, kind in (("SIM-001", "04A2B3C4", "ISO14443"), ("SIM-002", "SIM-TOKEN-2", "Local")):
        (authorize,) = csms.of(sid, "Authorize")
        assert authorize.payload["id_token"] == {"id_token": uid, "type": kind}
        events = csms.of(sid, "TransactionEvent")
        assert [e.payload["seq_no"] for e in events] == list(range(len(events)))
        assert [e.payload["event_type"] for e in events] == ["Started", "Updated", *["Updated"] * 6, "Ended"]
        assert len({e.payload["transaction_info"]["transaction_id"] for e in events}) == 1
        started, ended = events[0].payload, events[-1].payload
        assert started["id_token"] == {"id_token": uid, "type": kind}
        assert started["evse"] == {"id": 1, "connector_id": 1}
        assert ended["transaction_info"]["stopped_reason"] == "Local"
        assert ended["trigger_reason"] == "StopAuthorized"
        assert register_values(events[0], "") == [1000] and register_values(events[-1], "") == [1110]
        periodic = events[2].payload["meter_value"][0]["sampled_value"]
        assert periodic[0]["unit_of_measure"] == {"unit": "Wh", "multiplier": 0}
        assert not any(e.payload.get("offline") for e in events)
        statuses = [s.payload["connector_status"] for s in csms.of(sid, "StatusNotification")]
        assert statuses == ["Available", "Occupied", "Available"]


async def test_rejected_token_refuses_the_session(csms: Csms) -> None:
    stats = await run_stations(config(csms, tokens=(REJECTED,)))

    assert not stats.ok
    assert (stats.sessions_refused, stats.sessions_done) == (1, 0)
    assert "refused at Authorize: Invalid" in stats.error_samples[0]
    assert not csms.of("SIM-001", "StartTransaction")


async def test_basic_auth_and_refused_handshake(csms: Csms) -> None:
    csms.passwords = {"SIM-001": "right", "SIM-002": "right"}
    stats = await run_stations(config(csms, n=2, passwords={"SIM-001": "right", "SIM-002": "wrong"}))

    assert (stats.booted, stats.failed) == (1, 1)
    assert "SIM-002: handshake refused with HTTP 401" in stats.error_samples
    assert csms.of("SIM-001", "StopTransaction") and not csms.of("SIM-002")


# --- offline queue and reconnect ------------------------------------------------------------


OFFLINE_STEPS = [
    "boot",
    {"status": {"connector": 1, "status": "Available"}},
    {"authorize": "04A2B3C4"},
    {"start": {"connector": 1, "id_tag": "04A2B3C4", "meter_start_wh": 5000}},
    {"meter": {"every_s": 6, "count": 2, "power_kw": 22}},
    {"offline": {"queue": True}},
    {"meter": {"every_s": 6, "count": 3, "power_kw": 22}},
    {"stop": {"reason": "EVDisconnected"}},
    {"wait": 6},
    "reconnect",
    {"status": {"connector": 1, "status": "Available"}},
]


async def test_v16_offline_queue_keeps_order_and_timestamps(csms: Csms) -> None:
    stats = await run_stations(config(csms, scenario=plan("ocpp1.6", OFFLINE_STEPS)))

    assert stats.ok, stats.error_samples
    assert stats.queued == 4 and stats.dropped == 0
    meters = csms.of("SIM-001", "MeterValues")
    (stop,) = csms.of("SIM-001", "StopTransaction")
    assert len(meters) == 5
    stamps = [datetime.fromisoformat(m.payload["meter_value"][0]["timestamp"]) for m in meters]
    assert stamps == sorted(stamps)
    # The three queued readings and the stop arrived after the reconnect, and carry the station's
    # time of taking them: before the status it sent once back (6 s of station time later).
    back = datetime.fromisoformat(csms.of("SIM-001", "StatusNotification")[-1].payload["timestamp"])
    reconnected_at = csms.of("SIM-001", "StatusNotification")[-1].at
    for queued in [*meters[2:], stop]:
        stamp = queued.payload.get("timestamp") or queued.payload["meter_value"][0]["timestamp"]
        assert (back - datetime.fromisoformat(stamp)).total_seconds() >= 6
        assert queued.at <= reconnected_at
    assert stop.payload["meter_stop"] == 5000 + round(5 * 22000 * 6 / 3600)
    assert stop.payload["reason"] == "EVDisconnected"


async def test_v16_start_queued_offline_gets_its_transaction_id_later(csms: Csms) -> None:
    steps = [
        "boot",
        {"offline": {"queue": True}},
        {"start": {"connector": 1}},
        {"meter": 2},
        {"stop": "Local"},
        "reconnect",
    ]
    stats = await run_stations(config(csms, scenario=plan("ocpp1.6", steps)))

    assert stats.ok, stats.error_samples
    (start,) = csms.of("SIM-001", "StartTransaction")
    (stop,) = csms.of("SIM-001", "StopTransaction")
    tx = [m.payload["transaction_id"] for m in csms.of("SIM-001", "MeterValues")] + [
        stop.payload["transaction_id"]
    ]
    assert tx == [1001, 1001, 1001]
    assert start.payload["timestamp"] < stop.payload["timestamp"]


async def test_v201_offline_events_are_flagged_and_sequenced(csms: Csms) -> None:
    steps = [
        s if s != {"stop": {"reason": "EVDisconnected"}} else {"stop": "EVDisconnected"}
        for s in OFFLINE_STEPS
    ]
    stats = await run_stations(config(csms, "ocpp2.0.1", scenario=plan("ocpp2.0.1", steps)))

    assert stats.ok, stats.error_samples
    events = csms.of("SIM-001", "TransactionEvent")
    assert [e.payload["seq_no"] for e in events] == list(range(8))
    assert [bool(e.payload.get("offline")) for e in events] == [False] * 4 + [True] * 4
    assert events[-1].payload["transaction_info"]["stopped_reason"] == "EVDisconnected"
    assert events[-1].payload["trigger_reason"] == "EVCommunicationLost"


async def test_offline_without_queue_loses_the_messages(csms: Csms) -> None:
    steps = [
        "boot",
        {"start": {}},
        {"offline": {"queue": False}},
        {"meter": 2},
        {"stop": "Local"},
        "reconnect",
    ]
    stats = await run_stations(config(csms, scenario=plan("ocpp1.6", steps)))

    assert stats.dropped == 3
    assert not csms.of("SIM-001", "StopTransaction")


async def test_reconnects_after_a_dropped_connection(csms: Csms) -> None:
    stopping = asyncio.Event()
    run = asyncio.create_task(
        run_stations(config(csms, duration_s=2.0, meter_interval_s=6.0), stopping=stopping)
    )
    await csms.until("SIM-001", "MeterValues", 2)
    await csms.connections["SIM-001"].close()  # the network blinks
    (stop,) = await csms.until("SIM-001", "StopTransaction", within_s=15)
    stats = await run

    assert stats.ok, stats.error_samples
    assert stats.reconnects >= 1
    assert len(csms.of("SIM-001", "BootNotification")) == 1  # a reconnect is no reboot
    readings = [register_values(m, "")[0] for m in csms.of("SIM-001", "MeterValues")]
    # 20 intervals of 6 s at 11 kW; nothing lost (the reading in flight at the drop may come twice)
    assert sorted(set(readings)) == [1000 + int(k * 110 / 6) for k in range(1, 21)]
    assert readings == sorted(readings)
    assert stop.payload["meter_stop"] == 1366


# --- commands from the CSMS -----------------------------------------------------------------


async def _running(csms: Csms, cfg: SimConfig) -> tuple[asyncio.Task[Stats], asyncio.Event]:
    """The stations hold until the test sets `stopping`: a `hold` bounded by a duration ended
    (and the station disconnected) halfway through the test's calls on a busy machine."""
    stopping = asyncio.Event()
    task = asyncio.create_task(run_stations(replace(cfg, duration_s=0.0), stopping=stopping))
    await csms.until(cfg.station_ids[0], "StatusNotification")
    return task, stopping


async def test_v16_answers_csms_commands(csms: Csms) -> None:
    cfg = config(csms, scenario=plan("ocpp1.6", ["boot", {"status": {"status": "Available"}}, "hold"]))
    task, stopping = await _running(csms, cfg)
    cp = csms.live["SIM-001"]

    async def ask(payload: Any) -> Any:
        return await cp.call(payload, suppress=False)

    assert (await ask(call16.RemoteStartTransaction(id_tag="04A2B3C4", connector_id=1))).status == "Accepted"
    (start,) = await csms.until("SIM-001", "StartTransaction")
    assert start.payload["id_tag"] == "04A2B3C4"
    await csms.until("SIM-001", "MeterValues", 2)
    assert (await ask(call16.RemoteStartTransaction(id_tag="04A2B3C4"))).status == "Rejected"  # busy
    assert (await ask(call16.RemoteStopTransaction(transaction_id=1001))).status == "Accepted"
    (stop,) = await csms.until("SIM-001", "StopTransaction")
    assert stop.payload["reason"] == "Remote"
    assert (await ask(call16.RemoteStopTransaction(transaction_id=1001))).status == "Rejected"

    conf = await ask(call16.GetConfiguration(key=["HeartbeatInterval", "Nope"]))
    assert conf.configuration_key == [{"key": "HeartbeatInterval", "readonly": False, "value": "60"}]
    assert conf.unknown_key == ["Nope"]
    assert (await ask(call16.ChangeConfiguration(key="HeartbeatInterval", value="30"))).status == "Accepted"
    assert (await ask(call16.ChangeConfiguration(key="NumberOfConnectors", value="3"))).status == "Rejected"
    assert (await ask(call16.ChangeConfiguration(key="Nope", value="1"))).status == "NotSupported"
    assert (await ask(call16.TriggerMessage(requested_message="Heartbeat"))).status == "Accepted"
    await csms.until("SIM-001", "Heartbeat")
    assert (await ask(call16.UnlockConnector(connector_id=1))).status == "Unlocked"
    assert (await ask(call16.ChangeAvailability(connector_id=0, type="Inoperative"))).status == "Accepted"
    await csms.until("SIM-001", "StatusNotification", status="Unavailable")
    for payload in (
        call16.ClearCache(),
        call16.SendLocalList(list_version=7, update_type="Full", local_authorization_list=[]),
        call16.ReserveNow(connector_id=1, expiry_date=NOW().isoformat(), id_tag="04A2B3C4", reservation_id=1),
        call16.CancelReservation(reservation_id=1),
        call16.SetChargingProfile(
            connector_id=1,
            cs_charging_profiles={
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7000}],
                },
            },
        ),
        call16.ClearChargingProfile(id=1),
    ):
        assert (await ask(payload)).status == "Accepted", payload
    assert (await ask(call16.GetLocalListVersion())).list_version == 7
    assert (await ask(call16.Reset(type="Soft"))).status == "Accepted"
    await csms.until("SIM-001", "BootNotification", 2)  # rebooted
    stopping.set()
    stats = await task
    assert stats.calls_received == 19 and stats.errors == 0, stats.error_samples


async def test_v201_answers_csms_commands(csms: Csms) -> None:
    cfg = config(
        csms, "ocpp2.0.1", scenario=plan("ocpp2.0.1", ["boot", {"status": {"status": "Available"}}, "hold"])
    )
    task, stopping = await _running(csms, cfg)
    cp = csms.live["SIM-001"]

    async def ask(payload: Any) -> Any:
        return await cp.call(payload, suppress=False)

    start = await ask(
        call201.RequestStartTransaction(
            id_token={"idToken": "04A2B3C4", "type": "ISO14443"}, remote_start_id=42
        )
    )
    assert start.status == "Accepted"
    started = (await csms.until("SIM-001", "TransactionEvent"))[0]
    assert started.payload["trigger_reason"] == "RemoteStart"
    assert started.payload["transaction_info"]["remote_start_id"] == 42
    tx_id = started.payload["transaction_info"]["transaction_id"]
    await csms.until("SIM-001", "TransactionEvent", 3)
    assert (await ask(call201.RequestStopTransaction(transaction_id=tx_id))).status == "Accepted"
    (ended,) = await csms.until("SIM-001", "TransactionEvent", event_type="Ended")
    assert ended.payload["transaction_info"]["stopped_reason"] == "Remote"

    got = await ask(
        call201.GetVariables(
            get_variable_data=[
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {"component": {"name": "Nope"}, "variable": {"name": "X"}},
            ]
        )
    )
    assert [r["attribute_status"] for r in got.get_variable_result] == ["Accepted", "UnknownComponent"]
    assert got.get_variable_result[0]["attribute_value"] == "60"
    put = await ask(
        call201.SetVariables(
            set_variable_data=[
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "30",
                }
            ]
        )
    )
    assert put.set_variable_result[0]["attribute_status"] == "Accepted"
    assert (await ask(call201.GetBaseReport(request_id=5, report_base="FullInventory"))).status == "Accepted"
    (report,) = await csms.until("SIM-001", "NotifyReport")
    assert report.payload["request_id"] == 5
    assert {"name": "HeartbeatInterval"} in [d["variable"] for d in report.payload["report_data"]]
    assert (await ask(call201.TriggerMessage(requested_message="Heartbeat"))).status == "Accepted"
    assert (await ask(call201.UnlockConnector(evse_id=1, connector_id=1))).status == "Unlocked"
    assert (
        await ask(call201.ChangeAvailability(operational_status="Inoperative", evse={"id": 1}))
    ).status == "Accepted"
    for payload in (
        call201.ClearCache(),
        call201.SendLocalList(version_number=3, update_type="Full"),
        call201.ReserveNow(
            id=1, expiry_date_time=NOW().isoformat(), id_token={"idToken": "04A2B3C4", "type": "ISO14443"}
        ),
        call201.CancelReservation(reservation_id=1),
        call201.ClearChargingProfile(charging_profile_id=1),
    ):
        assert (await ask(payload)).status == "Accepted", payload
    assert (await ask(call201.GetLocalListVersion())).version_number == 3
    assert (await ask(call201.Reset(type="Immediate"))).status == "Accepted"
    boots = await csms.until("SIM-001", "BootNotification", 2)
    assert boots[-1].payload["reason"] == "RemoteReset"
    stopping.set()
    stats = await task
    assert stats.errors == 0, stats.error_samples


# --- scenario file --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (["boot", {"start": {"connector": 0}}], "steps[1].start.connector: expected a whole number >= 1"),
        (["boot", {"jump": 1}], "steps[1]: unknown step 'jump'"),
        ([{"status": {"connector": 1}}], "steps[0].status.status: required"),
        ([{"status": {"status": "Occupied"}}], "steps[0].status.status: 'Occupied' is not one of"),
        ([{"meter": {"every_s": -1}}], "steps[0].meter.every_s: expected a positive number"),
        ([{"repeat": {"times": 2, "steps": [{"wait": "x"}]}}], "steps[0].repeat.steps[0].wait.seconds"),
        ([{"stop": {"reason": "Bored"}}], "steps[0].stop.reason: 'Bored' is not one of"),
        ([{"offline": {"queue": "yes"}}], "steps[0].offline.queue: expected true or false"),
        (
            [{"send": {"action": "RemoteStartTransaction"}}],
            "steps[0].send.action: 'RemoteStartTransaction' is not a station-initiated",
        ),
        ([{"boot": 1}], "steps[0].boot: takes no arguments"),
        ([{"wait": 1, "boot": None}], "steps[0]: a step is a name"),
        ([], "steps: expected a non-empty list"),
    ],
)
def test_scenario_errors_name_the_step(steps: list[Any], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        sc.parse_scenario(steps, "ocpp1.6")
    assert e.value.option == "--scenario"
    assert message in e.value.message


def test_scenario_per_station_and_201_statuses() -> None:
    parsed = sc.parse_scenario(
        {"steps": ["boot"], "stations": {"SIM-002": ["boot", {"status": {"status": "Charging"}}]}},
        "ocpp2.0.1",
    )
    assert parsed.steps_for("SIM-001") == (sc.Boot(),)
    assert parsed.steps_for("SIM-002")[1] == sc.Status(1, "Occupied")
    with pytest.raises(ConfigError, match=r"stations.SIM-003\[0\]"):
        sc.parse_scenario({"stations": {"SIM-003": ["fly"]}}, "ocpp1.6")


def test_example_scenarios_are_valid() -> None:
    examples = sorted((EXAMPLES / "scenarios").glob("*.yaml"))
    assert examples
    for path in examples:
        protocol = "ocpp2.0.1" if "201" in path.name else "ocpp1.6"
        assert sc.load_scenario(path, protocol).steps or path.name


def test_stats_merge_and_percentiles() -> None:
    a, b = Stats(stations=1, booted=1), Stats(stations=2, booted=2, errors=1, error_samples=["x"])
    for ms in range(1, 101):
        (a if ms % 2 else b).record_rtt("Heartbeat", ms / 1000)
    a.merge(b)
    assert (a.stations, a.booted, a.errors, a.calls_sent) == (3, 3, 1, 100)
    figures = a.per_action()["Heartbeat"]
    assert (figures["p50_ms"], figures["p99_ms"]) == (50.0, 99.0)
    assert percentile([], 50) != percentile([], 50)  # nan
    assert split(("a", "b", "c", "d", "e"), 2) == [(0, ("a", "b", "c")), (3, ("d", "e"))]


# --- command line ---------------------------------------------------------------------------


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        BIN, "simulate", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--stations", "0"], "--stations"),
        (["--url", "http://127.0.0.1:1/ocpp", "--stations", "1"], "--url"),
        (["--protocol", "ocpp1.5", "--stations", "1"], "--protocol"),
        (["--stations", "2", "--ids", "A,B,C"], "--stations"),
        (["--stations", "1", "--meter-interval", "0"], "--meter-interval"),
        (["--stations", "1", "--processes", "0"], "--processes"),
        (["--stations", "1", "--password", "x", "--passwords-file", "f.yaml"], "--password"),
        (["--stations", "1", "--scenario", "/nonexistent.yaml"], "--scenario"),
    ],
)
async def test_cli_bad_options_exit_2(args: list[str], option: str) -> None:
    code, _, err = await _cli(*args)
    assert code == 2
    assert f"error: {option}:" in err


async def test_cli_bad_scenario_names_the_step(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - boot\n  - start: {connector: one}\n")
    code, _, err = await _cli("--stations", "1", "--scenario", str(bad))
    assert code == 2
    assert "--scenario: steps[1].start.connector: expected a whole number" in err


async def test_cli_runs_stations_in_two_processes(csms: Csms, tmp_path: Path) -> None:
    passwords = tmp_path / "passwords.yaml"
    passwords.write_text("".join(f"SIM-{i:03d}: pw-{i}\n" for i in range(1, 5)))
    csms.passwords = {f"SIM-{i:03d}": f"pw-{i}" for i in range(1, 5)}
    code, out, err = await _cli(
        "--url", csms.url, "--stations", "4", "--processes", "2", "--passwords-file", str(passwords),
        "--meter-interval", "6", "--speed", "60", "--duration", "0.5", "--json",
    )  # fmt: skip
    summary = json.loads(out)
    assert code == 0, (out, err)
    assert (summary["stations"], summary["booted"], summary["sessions_done"]) == (4, 4, 4)
    assert summary["actions"]["MeterValues"]["count"] == 20
    assert len({s.station for s in csms.seen}) == 4


async def test_cli_exit_1_and_summary_when_stations_fail(csms: Csms) -> None:
    csms.passwords = {"SIM-001": "secret"}
    code, out, _ = await _cli("--url", csms.url, "--stations", "1", "--duration", "0.2")
    assert code == 1
    assert "0/1 connected" in out and "handshake refused with HTTP 401" in out


# --- against the real server ----------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_sessions_reach_the_database(served: Served, depot: None, protocol: str) -> None:  # noqa: F811
    """Two stations of the depot (one with a password), one session each, through the real
    gateway: the sessions, their energy and their meter values are what the stations reported."""
    cfg = SimConfig(
        url=f"{served.url}/ocpp",
        station_ids=("HH-01", "HH-02"),
        protocol=protocol,
        passwords={"HH-01": STATION_PASSWORD},
        tokens=(CARD,),
        meter_interval_s=6.0,
        speed=60.0,
        duration_s=0.6,
        call_timeout_s=10.0,
        meter_start_wh=1000,
    )
    stats = await run_stations(cfg)

    assert stats.ok, stats.error_samples
    assert (stats.sessions_done, stats.energy_wh) == (2, 220)
    async with served.runtime.uow() as uow:
        rows = (await uow.session.scalars(select(ChargingSession).order_by(ChargingSession.station_id))).all()
        assert [(r.state, r.protocol, r.flagged) for r in rows] == [("completed", protocol, False)] * 2
        assert [(r.meter_start_wh, r.meter_stop_wh, r.energy_wh) for r in rows] == [(1000, 1110, 110)] * 2
        assert {r.id_token for r in rows} == {CARD} and all(r.token_id for r in rows)
        assert all(r.stop_reason == "Local" and r.auth_status == "Accepted" for r in rows)
        for r in rows:
            samples = (
                await uow.session.scalars(
                    select(MeterValue).where(MeterValue.session_id == r.id).order_by(MeterValue.sampled_at)
                )
            ).all()
            registers = [
                int(s.value)
                for s in samples
                if s.measurand == "Energy.Active.Import.Register" and s.phase is None
            ]
            assert registers[0] == 1000 and registers[-1] == 1110 and registers == sorted(registers)
            assert {s.phase for s in samples if s.measurand == "Current.Import"} == {"L1", "L2", "L3"}
        assert all(
            r.started_at is not None and r.stopped_at is not None and r.started_at < r.stopped_at
            for r in rows
        )


# --- the offline queue -----------------------------------------------------------------------


async def test_two_flushes_at_once_send_each_queued_message_once() -> None:
    """A reconnect flushes the queue while a flusher that `send` started may still run: the
    two must not both send the head (once twice, then an IndexError on an empty queue)."""
    from depotshare.simulator.station import Pending
    from depotshare.simulator.station16 import Station16

    cfg = SimConfig(url="ws://127.0.0.1:9/ocpp", station_ids=("SIM-001",), protocol="ocpp1.6")
    station = Station16("SIM-001", 0, cfg, Stats(), asyncio.Event())
    sent: list[int] = []

    async def call(payload: int) -> str:  # the link: answers after the event loop turned
        await asyncio.sleep(0)
        sent.append(payload)
        return "ok"

    station.call = call  # type: ignore[method-assign]
    for n in range(5):
        station._queue.append(Pending(lambda n=n: n))  # type: ignore[misc]
    await asyncio.gather(station._flush(), station._flush())
    assert sent == [0, 1, 2, 3, 4]
    assert not station.has_queued
