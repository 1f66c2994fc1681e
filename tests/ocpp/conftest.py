"""OCPP end-to-end fixtures: the real app served by uvicorn in-process (same event loop as the
tests) on a free port, stations speaking through the `ocpp` library's client side over
`websockets`, and a depot set up through the real services. Reused by the 2.0.1 tests."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pytest
import uvicorn
import websockets
from ocpp.charge_point import ChargePoint as BaseChargePoint
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection

from depotshare.config import Settings
from depotshare.domain.fleet.tokens import TokenStatus
from depotshare.domain.sites.assets import ConnectorSpec, EvseSpec
from depotshare.ocpp.server import Gateway, uvicorn_options
from depotshare.services.fleet import tokens
from depotshare.services.runtime import Runtime
from depotshare.services.sites import locations, stations
from depotshare.services.sites.locations import LocationSpec
from depotshare.services.sites.stations import StationSpec
from tests.support.helpers import SYSTEM, make_tree

T = TypeVar("T")
Station = TypeVar("Station", bound=BaseChargePoint)
STATION_PASSWORD = "station-secret-1"
# A depot of acme-north; swift is a partner company outside acme's tree.
TREE = {"acme": None, "acme-north": "acme", "swift": None}
CARD = "04A2B3C4D5E6F7"  # acme-north, valid until 2099
BLOCKED = "04A2B3C4D5E6F8"
EXPIRED = "04A2B3C4D5E6F9"
PARTNER = "5A1F7001"  # swift's card: not allowed at acme's depot (yet)


@dataclass
class Served:
    url: str  # ws://127.0.0.1:PORT
    app: Any
    runtime: Runtime

    @property
    def gateway(self) -> Gateway:
        gateway: Gateway = self.app.state.ocpp
        return gateway

    def station_url(self, station_id: str) -> str:
        return f"{self.url}/ocpp/{station_id}"


@pytest.fixture
async def served(app_in_use: Any, runtime: Runtime, settings: Settings) -> AsyncIterator[Served]:
    async with serve_app(app_in_use, settings) as url:
        yield Served(url, app_in_use, runtime)
        connected = app_in_use.state.ocpp.registry
    assert len(connected) == 0, "a station is still connected after the server stopped"


@asynccontextmanager
async def serve_app(app: Any, settings: Settings) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free port of 127.0.0.1 (ws://...), stopped on the way out:
    gracefully, else forced, and always awaited, so nothing of it runs into the next test."""
    config = uvicorn.Config(app, log_level="warning", lifespan="off", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        done, _ = await asyncio.wait({task}, timeout=30)
        if not done:  # connections that do not close: drop them
            server.force_exit = True
            await asyncio.wait({task}, timeout=10)
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


@pytest.fixture
async def depot(runtime: Runtime) -> None:
    """acme-north's depot-hamburg with HH-01 (password) and HH-02 (none, two connectors), cards."""
    await make_tree(runtime, TREE)
    async with runtime.uow() as uow:
        await locations.create_location(
            uow,
            SYSTEM,
            LocationSpec(key="depot-hamburg", org="acme-north", name="Depot", timezone="Europe/Berlin"),
        )
    evses = [EvseSpec(n, (ConnectorSpec(1, "IEC_62196_T2_COMBO"),)) for n in (1, 2)]
    for station_id, password in (("HH-01", STATION_PASSWORD), ("HH-02", None)):
        async with runtime.uow() as uow:
            spec = StationSpec(id=station_id, location="depot-hamburg", password=password, evses=evses)
            await stations.create_station(uow, SYSTEM, spec)
    cards: list[dict[str, Any]] = [
        {"uid": CARD, "org": "acme-north", "group": "ACME-FLEET", "valid_until": date(2099, 12, 31)},
        {"uid": BLOCKED, "org": "acme-north", "status": TokenStatus.BLOCKED},
        {"uid": EXPIRED, "org": "acme-north", "valid_until": date(2020, 1, 31)},
        {"uid": PARTNER, "org": "swift"},
    ]
    for card in cards:
        async with runtime.uow() as uow:
            await tokens.create_token(uow, SYSTEM, **card)


async def admit_prefix(runtime: Runtime, location_key: str, prefix: str) -> None:
    async with runtime.uow() as uow:
        await locations.update_location(uow, SYSTEM, location_key, {"admit_station_prefix": prefix})


def basic_auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Station16(ChargePoint16):
    """The station side: answers the central system's calls with `answers[action]` (Accepted by
    default) and records them; `silent` makes it never answer."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, str] = {}
        self.silent = False

    async def route_message(self, raw_msg: str) -> None:
        if self.silent and raw_msg.startswith("[2,"):
            return
        await super().route_message(raw_msg)

    def _note(self, action: str, payload: dict[str, Any], default: str = "Accepted") -> str:
        self.received.append((action, payload))
        return self.answers.get(action, default)

    @on(Action.remote_start_transaction)
    def _remote_start(self, **kw: Any) -> Any:
        return result16.RemoteStartTransaction(status=self._note("RemoteStartTransaction", kw))

    @on(Action.remote_stop_transaction)
    def _remote_stop(self, **kw: Any) -> Any:
        return result16.RemoteStopTransaction(status=self._note("RemoteStopTransaction", kw))

    @on(Action.reset)
    def _reset(self, **kw: Any) -> Any:
        return result16.Reset(status=self._note("Reset", kw))

    @on(Action.unlock_connector)
    def _unlock(self, **kw: Any) -> Any:
        return result16.UnlockConnector(status=self._note("UnlockConnector", kw, "Unlocked"))

    @on(Action.change_availability)
    def _availability(self, **kw: Any) -> Any:
        return result16.ChangeAvailability(status=self._note("ChangeAvailability", kw))

    @on(Action.change_configuration)
    def _change_configuration(self, **kw: Any) -> Any:
        return result16.ChangeConfiguration(status=self._note("ChangeConfiguration", kw))

    @on(Action.get_configuration)
    def _get_configuration(self, **kw: Any) -> Any:
        self._note("GetConfiguration", kw)
        return result16.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
            unknown_key=[k for k in kw.get("key", []) if k != "HeartbeatInterval"] or None,
        )

    @on(Action.trigger_message)
    def _trigger(self, **kw: Any) -> Any:
        return result16.TriggerMessage(status=self._note("TriggerMessage", kw))

    @on(Action.clear_cache)
    def _clear_cache(self, **kw: Any) -> Any:
        return result16.ClearCache(status=self._note("ClearCache", kw))

    @on(Action.get_local_list_version)
    def _local_list_version(self, **kw: Any) -> Any:
        self._note("GetLocalListVersion", kw)
        return result16.GetLocalListVersion(list_version=7)

    @on(Action.send_local_list)
    def _send_local_list(self, **kw: Any) -> Any:
        return result16.SendLocalList(status=self._note("SendLocalList", kw))


@asynccontextmanager
async def raw_socket(
    served: Served,
    station_id: str,
    *,
    password: str | None = None,
    subprotocols: list[str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[ClientConnection]:
    headers = basic_auth(station_id, password) if password is not None else None
    async with websockets.connect(
        served.station_url(station_id),
        subprotocols=subprotocols or ["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=headers,
        compression=None,
        **kwargs,
    ) as ws:
        yield ws


@asynccontextmanager
async def station16(
    served: Served, station_id: str, *, password: str | None = None, **kwargs: Any
) -> AsyncIterator[Station16]:
    """A connected 1.6 station whose message loop runs in the background."""
    async with (
        raw_socket(served, station_id, password=password, **kwargs) as ws,
        answering(Station16(station_id, ws)) as cp,
    ):
        yield cp


@asynccontextmanager
async def answering(cp: Station) -> AsyncIterator[Station]:
    """The station's message loop (which answers the central system's calls) runs in the
    background while the block runs, and is stopped after it."""
    loop = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


async def eventually(check: Callable[[], Awaitable[T]], within: float = 5.0) -> T:
    """Poll `check` until it returns something truthy (things that happen after a disconnect)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.02)
