"""Remote commands over the API against an in-memory fake of the StationCommands port: each body
becomes the right protocol-neutral command, the station's answer comes back, offline / timeout /
CALLERROR become 409 / 504 / 502 problem+json, who may send what, and every attempt is audited.
The world (organisations, users logged in once, the depot's stations, two cards) is built once for
the module: a test only adds its own audit entries and decisions to it, and reads those only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.domain.charging import commands as cmd
from depotshare.domain.charging.commands import Command, CommandResult
from depotshare.domain.common.errors import InvalidInput, StationError, StationOffline, StationTimeout
from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from tests.conftest import ModuleWorld
from tests.support.charging_rows import access_decisions
from tests.support.helpers import login, make_tree, make_user

API = "/api/v1/stations"
TREE = {"holding": None, "north": "holding", "south": "holding"}


class FakeStationCommands:
    """Stations that are "connected" answer from a script (or Accepted); others are offline."""

    def __init__(self) -> None:
        self.connected: set[str] = set()
        self.calls: list[tuple[str, Command, float]] = []
        self.script: list[CommandResult | Exception] = []

    def is_connected(self, station_id: str) -> bool:
        return station_id in self.connected

    async def send(self, station_id: str, command: Command, timeout: float) -> CommandResult:  # noqa: ASYNC109
        self.calls.append((station_id, command, timeout))
        if station_id not in self.connected:
            raise StationOffline(f"charging station {station_id!r} is not connected")
        answer = self.script.pop(0) if self.script else None
        if isinstance(answer, Exception):
            raise answer
        return answer or CommandResult(type(command).__name__, "Accepted", {"status": "Accepted"})


@pytest.fixture
async def fake(client: AsyncClient, runtime: Runtime) -> AsyncIterator[FakeStationCommands]:
    """Set after the app is built (the gateway registers itself there); restored afterwards."""
    saved = runtime.station_commands
    runtime.station_commands = fake = FakeStationCommands()
    fake.connected.add("HH-01")
    yield fake
    runtime.station_commands = saved


USERS = {
    "root@example.com": [(Role.PLATFORM_ADMIN, None)],
    "admin@holding.example": [(Role.ORG_ADMIN, "holding")],
    "fac@north.example": [(Role.FACILITY_MANAGER, "north")],
    "fac@south.example": [(Role.FACILITY_MANAGER, "south")],
    "fleet@north.example": [(Role.FLEET_MANAGER, "north")],
    "both@north.example": [(Role.FACILITY_MANAGER, "north"), (Role.FLEET_MANAGER, "north")],
}
Logins = dict[str, dict[str, str]]  # email -> headers


@pytest.fixture
async def world(client: AsyncClient, runtime: Runtime, module_world: ModuleWorld) -> Logins:
    return await module_world("depot", lambda: _build(client, runtime))


async def _build(client: AsyncClient, runtime: Runtime) -> Logins:
    await make_tree(runtime, TREE)
    for email, roles in USERS.items():
        await make_user(runtime, email, *roles)
    logins = {email: await login(client, email) for email in USERS}
    root = logins["root@example.com"]
    for path, body in [
        ("locations", {"key": "depot-hamburg", "org": "north", "name": "Hamburg"}),
        ("stations", {"id": "HH-01", "location": "depot-hamburg"}),
        ("stations", {"id": "HH-02", "location": "depot-hamburg"}),
        ("tokens", {"uid": "04A2B3C4", "org": "north"}),
        ("tokens", {"uid": "5A1F7001", "org": "south"}),
    ]:
        r = await client.post(f"/api/v1/{path}", json=body, headers=root)
        assert r.status_code == 201, r.text
    return logins


def _url(name: str, station: str = "HH-01") -> str:
    return f"{API}/{station}/commands/{name}"


async def _audit(client: AsyncClient, admin: dict[str, str], **params: str) -> list[dict[str, Any]]:
    """The audit entries, newest first."""
    entries: list[dict[str, Any]] = (
        await client.get("/api/v1/audit-log", headers=admin, params=params)
    ).json()["items"]
    return entries


async def _audited_since(
    client: AsyncClient, admin: dict[str, str], newest: int, **params: str
) -> list[dict[str, Any]]:
    """The audit entries written after entry `newest` (those of the tests before are older)."""
    return [e for e in await _audit(client, admin, **params) if e["id"] > newest]


async def _newest(client: AsyncClient, admin: dict[str, str]) -> int:
    return max((e["id"] for e in await _audit(client, admin, limit="1")), default=0)


VARIABLE = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
COMMANDS: list[tuple[str, dict[str, Any] | None, Command]] = [
    ("remote-start", {"id_token": "04:a2:b3:c4", "evse_id": 2}, cmd.RemoteStart("04A2B3C4", 2)),
    ("remote-stop", {"transaction_id": "17"}, cmd.RemoteStop("17")),
    ("reset", {}, cmd.Reset("soft")),
    ("reset", {"kind": "hard"}, cmd.Reset("hard")),
    ("unlock-connector", {"evse_id": 1}, cmd.UnlockConnector(1, 1)),
    ("unlock-connector", {"evse_id": 2, "connector_id": 2}, cmd.UnlockConnector(2, 2)),
    ("change-availability", {"operative": False}, cmd.ChangeAvailability(False, 0)),
    ("change-availability", {"operative": True, "evse_id": 1}, cmd.ChangeAvailability(True, 1)),
    ("get-configuration", None, cmd.GetConfiguration([])),
    ("get-configuration", {"keys": ["HeartbeatInterval"]}, cmd.GetConfiguration(["HeartbeatInterval"])),
    (
        "change-configuration",
        {"key": "HeartbeatInterval", "value": "60"},
        cmd.ChangeConfiguration("HeartbeatInterval", "60"),
    ),
    ("get-variables", {"variables": [VARIABLE]}, cmd.GetVariables([VARIABLE])),
    (
        "get-variables",
        {
            "variables": [
                {
                    **VARIABLE,
                    "component": {"name": "EVSE", "evse": {"id": 1, "connectorId": 1}},
                    "attributeType": "Target",
                }
            ]
        },
        cmd.GetVariables(
            [
                {
                    **VARIABLE,
                    "component": {"name": "EVSE", "evse": {"id": 1, "connectorId": 1}},
                    "attributeType": "Target",
                }
            ]
        ),
    ),
    (
        "set-variables",
        {"variables": [{**VARIABLE, "attributeValue": "60"}]},
        cmd.SetVariables([{**VARIABLE, "attributeValue": "60"}]),
    ),
    ("get-base-report", {"request_id": 7}, cmd.GetBaseReport(7, "FullInventory")),
    (
        "trigger-message",
        {"message": "StatusNotification", "evse_id": 1},
        cmd.TriggerMessage("StatusNotification", 1),
    ),
    ("clear-cache", None, cmd.ClearCache()),
    ("clear-cache", {}, cmd.ClearCache()),
    ("raw", {"action": "GetLocalListVersion", "payload": {}}, cmd.Raw("GetLocalListVersion", {})),
]


@pytest.mark.parametrize(
    ("name", "body", "expected"), COMMANDS, ids=[f"{c[0]}-{i}" for i, c in enumerate(COMMANDS)]
)
async def test_each_command_reaches_the_station(
    client: AsyncClient,
    runtime: Runtime,
    world: Logins,
    fake: FakeStationCommands,
    name: str,
    body: dict[str, Any] | None,
    expected: Command,
) -> None:
    admin = world["admin@holding.example"]
    fake.script.append(CommandResult("Anything", "Accepted", {"status": "Accepted", "extra": [1]}))
    r = await client.post(_url(name), json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "action": "Anything",
        "status": "Accepted",
        "payload": {"status": "Accepted", "extra": [1]},
    }
    assert fake.calls == [("HH-01", expected, runtime.settings.ocpp_command_timeout_s)]


async def test_answer_and_audit(client: AsyncClient, world: Logins, fake: FakeStationCommands) -> None:
    fac, admin = world["fac@north.example"], world["admin@holding.example"]
    newest = await _newest(client, admin)
    fake.script.append(
        CommandResult(
            "GetConfiguration",
            None,
            {"configurationKey": [{"key": "HeartbeatInterval", "value": "300", "readonly": False}]},
        )
    )
    r = await client.post(
        _url("get-configuration"), json={"keys": ["HeartbeatInterval"]}, headers=fac, params={"timeout_s": 5}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] is None and r.json()["payload"]["configurationKey"][0]["value"] == "300"
    assert fake.calls[0][2] == 5.0
    entries = await _audited_since(client, admin, newest, entity="station", entity_id="HH-01")
    command = next(e for e in entries if e["action"] == "command")
    assert command["actor"] == "fac@north.example" and command["org"] == "north"
    assert command["after"] == {
        "command": "get-configuration",
        "request": {"keys": ["HeartbeatInterval"]},
        "outcome": "answered",
        "action": "GetConfiguration",
        "status": None,
    }


@pytest.mark.parametrize(
    ("failure", "status", "title", "outcome"),
    [
        (None, 409, "Station Offline", "offline"),  # HH-02 holds no connection
        (StationTimeout("the station did not answer within 30 s"), 504, "Station Timeout", "timeout"),
        (StationError("NotSupported", "no such thing"), 502, "Station Error", "error NotSupported"),
        (InvalidInput("", "OCPP 1.6 has no GetVariables"), 422, "Invalid Input", "refused"),
    ],
)
async def test_failures_are_problems_and_audited(
    client: AsyncClient,
    world: Logins,
    fake: FakeStationCommands,
    failure: Exception | None,
    status: int,
    title: str,
    outcome: str,
) -> None:
    admin = world["admin@holding.example"]
    newest = await _newest(client, admin)
    station = "HH-02" if failure is None else "HH-01"
    if failure is not None:
        fake.script.append(failure)
    r = await client.post(_url("reset", station), json={"kind": "hard"}, headers=admin)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == title
    entries = await _audited_since(client, admin, newest, entity_id=station)
    assert entries[0]["action"] == "command" and entries[0]["after"]["outcome"] == outcome
    assert entries[0]["after"]["request"] == {"kind": "hard"}


async def test_no_gateway_means_not_connected(client: AsyncClient, runtime: Runtime, world: Logins) -> None:
    saved, runtime.station_commands = runtime.station_commands, None
    try:
        admin = world["admin@holding.example"]
        r = await client.post(_url("clear-cache"), headers=admin)
        assert r.status_code == 409, r.text
        assert "not connected" in r.json()["detail"]
    finally:
        runtime.station_commands = saved


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("root@example.com", 200),
        ("admin@holding.example", 200),
        ("fac@north.example", 200),
        ("fac@south.example", 404),  # cannot see the station
        ("fleet@north.example", 404),  # fleet managers see no stations
    ],
)
async def test_who_may_send(
    client: AsyncClient, world: Logins, fake: FakeStationCommands, email: str, status: int
) -> None:
    h = world[email]
    r = await client.post(_url("reset"), json={}, headers=h)
    assert r.status_code == status, r.text
    assert len(fake.calls) == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("root@example.com", 200),
        ("admin@holding.example", 200),
        ("fac@north.example", 403),
        ("fac@south.example", 404),
    ],
)
async def test_raw_calls_are_for_admins(
    client: AsyncClient, world: Logins, fake: FakeStationCommands, email: str, status: int
) -> None:
    h = world[email]
    r = await client.post(
        _url("raw"), json={"action": "SendLocalList", "payload": {"listVersion": 1}}, headers=h
    )
    assert r.status_code == status, r.text
    assert len(fake.calls) == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("email", "id_token", "status", "sent"),
    [
        ("admin@holding.example", "04-a2-b3-c4", 200, "04A2B3C4"),  # normalised like the tokens API
        ("both@north.example", "04A2B3C4", 200, "04A2B3C4"),
        ("both@north.example", "5A1F7001", 422, None),  # a card of another organisation
        ("fac@north.example", "04A2B3C4", 422, None),  # facility managers read no cards
        ("admin@holding.example", "FFFFFFFF", 422, None),  # unknown
        # Readable, but the access rules refuse: no grant for swift at the holding's depot, and
        # an id token the platform does not know (a platform admin may name any).
        ("admin@holding.example", "5A1F7001", 409, None),
        ("root@example.com", "ROAMING-1", 409, None),
    ],
)
async def test_remote_start_needs_a_readable_token(
    client: AsyncClient,
    runtime: Runtime,
    world: Logins,
    fake: FakeStationCommands,
    email: str,
    id_token: str,
    status: int,
    sent: str | None,
) -> None:
    h = world[email]
    logged = len(await access_decisions(runtime))  # by the tests before, in the module's world
    r = await client.post(_url("remote-start"), json={"id_token": id_token}, headers=h)
    assert r.status_code == status, r.text
    if status == 409:
        assert "may not charge here now" in r.json()["detail"] and fake.calls == []
    elif sent is None:
        assert "id_token" in r.json()["detail"] and fake.calls == []
    else:
        assert fake.calls[0][1] == cmd.RemoteStart(sent, None)
    if status in (200, 409):  # decided by the access rules, and logged as a remote start
        [decision] = (await access_decisions(runtime))[logged:]
        assert (decision.source, decision.decision == "Accepted") == ("Remote", status == 200)


@pytest.mark.parametrize(
    ("name", "body", "params", "field"),
    [
        ("reset", {"kind": "warm"}, {}, "body.kind"),
        ("reset", {"hard": True}, {}, "body.hard"),
        ("reset", {}, {"timeout_s": 0}, "timeout_s"),
        ("reset", {}, {"timeout_s": 121}, "timeout_s"),
        ("reset", {}, {"timeout_s": "soon"}, "timeout_s"),
        ("unlock-connector", {}, {}, "body.evse_id"),
        ("unlock-connector", {"evse_id": 0}, {}, "body.evse_id"),
        ("change-availability", {"operative": "perhaps"}, {}, "body.operative"),
        ("remote-start", {"id_token": ""}, {}, "body.id_token"),
        ("remote-start", {"id_token": "04A2B3C4", "evse_id": 2**31}, {}, "body.evse_id"),
        ("remote-stop", {}, {}, "body.transaction_id"),
        ("get-configuration", {"keys": ["x" * 51]}, {}, "body.keys[0]"),
        ("change-configuration", {"key": "", "value": "1"}, {}, "body.key"),
        ("get-variables", {"variables": []}, {}, "body.variables"),
        ("get-variables", {"variables": [{"component": {"name": "X"}}]}, {}, "body.variables[0].variable"),
        ("get-variables", {"variables": [{**VARIABLE, "attribute_type": "Target"}]}, {}, "attribute_type"),
        ("set-variables", {"variables": [VARIABLE]}, {}, "body.variables[0].attributeValue"),
        ("get-base-report", {"request_id": -1}, {}, "body.request_id"),
        ("get-base-report", {"request_id": 1, "report_base": "All"}, {}, "body.report_base"),
        ("trigger-message", {"message": "Everything"}, {}, "body.message"),
        ("raw", {"action": "send local list", "payload": {}}, {}, "body.action"),
        ("raw", {"action": "Reset", "payload": {"type": "Soft\u0000"}}, {}, "body.payload"),
    ],
)
async def test_bad_bodies_name_the_field(
    client: AsyncClient,
    world: Logins,
    fake: FakeStationCommands,
    name: str,
    body: dict[str, Any],
    params: dict[str, Any],
    field: str,
) -> None:
    admin = world["admin@holding.example"]
    r = await client.post(_url(name), json=body, headers=admin, params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.json()["detail"], r.json()
    assert fake.calls == []


async def test_unknown_station_and_command(
    client: AsyncClient, world: Logins, fake: FakeStationCommands
) -> None:
    admin = world["admin@holding.example"]
    assert (await client.post(_url("reset", "NOPE"), json={}, headers=admin)).status_code == 404
    assert (await client.post(_url("self-destruct"), json={}, headers=admin)).status_code == 404
    assert (await client.post(_url("reset"), json={})).status_code == 401
    r = await client.post(
        _url("reset"), content=b"{not json", headers={**admin, "content-type": "application/json"}
    )
    assert r.status_code == 400
    assert fake.calls == []
