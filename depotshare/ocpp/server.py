"""The OCPP websocket endpoint `/ocpp/{station_id}` on the API's app and port: subprotocol
negotiation, admission (identity, HTTP Basic password, pending admission by prefix), one
connection per station, and the command channel registered on the runtime."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import Any

import ocpp.messages
from fastapi import FastAPI
from starlette.responses import Response
from starlette.websockets import WebSocket

from depotshare.config import Settings
from depotshare.domain.common.errors import DomainError, Unauthenticated
from depotshare.ocpp.admission import BootGate
from depotshare.ocpp.commands import GatewayCommands
from depotshare.ocpp.connection import REPLACED, Closed, WebSocketConnection
from depotshare.ocpp.protocols import STATIONS, negotiate
from depotshare.ocpp.registry import Registry
from depotshare.ocpp.station import StationBase
from depotshare.services.runtime import Runtime
from depotshare.services.sites import connected_stations as live

PATH = "/ocpp/{station_id}"
RETRY_AFTER_S = 5  # what a station refused with 503 during a reconnect storm is told
LOGGER = logging.getLogger("depotshare.ocpp")


class _RefusalNoise(logging.Filter):
    """uvicorn's websockets-sansio protocol logs "ASGI callable returned without completing
    handshake." at ERROR after every HTTP denial response (it counts only accept and close as
    completing the handshake). One such line is dropped per handshake the gateway refused on
    purpose (401, 503), so a reconnect storm answered with 503s does not flood the log."""

    MESSAGE = "ASGI callable returned without completing handshake."

    def __init__(self) -> None:
        super().__init__()
        self.pending = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pending and record.getMessage() == self.MESSAGE:
            self.pending -= 1
            return False
        return True


_REFUSALS = _RefusalNoise()


def configure_library() -> None:
    # The library logs every frame at INFO: formatting them costs more than handling some.
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    # Validate inline: a thread-pool hop per message was slower here (docs: PERFORMANCE.md).
    ocpp.messages.ASYNC_VALIDATION = False
    uvicorn_log = logging.getLogger("uvicorn.error")
    if _REFUSALS not in uvicorn_log.filters:
        uvicorn_log.addFilter(_REFUSALS)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Websocket options for uvicorn: a dead connection is closed within ping interval + timeout;
    frames above the limit close with 1009; no per-message deflate (~3x the memory per connection)."""
    return {
        "ws_max_size": settings.ocpp_max_frame_bytes,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        "ws_per_message_deflate": False,
        # Listen backlog for reconnect storms (uvicorn's default is 2,048); the kernel caps it at
        # net.core.somaxconn. An overflowing backlog drops handshakes before the gateway sees them.
        "backlog": 8192,
    }


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic Authorization header, None when absent or malformed."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = decoded.decode()
    except UnicodeDecodeError:
        text = decoded.decode("latin-1")
    user, colon, password = text.partition(":")
    return (user, password) if colon else None


class Gateway:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.registry: Registry[StationBase] = Registry()
        settings = runtime.settings
        self.boot_gate = BootGate(settings.ocpp_boot_slots, settings.ocpp_boot_wait_s)

    async def endpoint(self, websocket: WebSocket, station_id: str) -> None:
        subprotocol = negotiate(list(websocket.scope.get("subprotocols") or []))
        if subprotocol is None:
            await websocket.close()  # before accept: the station sees HTTP 403
            return
        release = await self.boot_gate.enter()
        if release is None:  # a reconnect storm: come back later (docs/operations.md)
            await _deny(websocket, 503)
            return
        try:
            link = await self._admit(websocket, station_id, subprotocol)
        except Unauthenticated:
            release()
            await _deny(websocket, 401)
            return
        except DomainError:
            release()
            await websocket.close()  # unknown station: 403
            return
        except live.AdmissionBusy:
            release()
            LOGGER.warning("%s: no database connection for the admission: answered 503", station_id)
            await _deny(websocket, 503)
            return
        except BaseException:
            release()
            raise
        try:
            await websocket.accept(subprotocol=subprotocol)
        except BaseException:
            # Typically the station gave up during the handshake: uvicorn raises its
            # ClientDisconnected (an OSError), which it takes as a normal close when it comes
            # back out of the app, with no traceback. Either way the station is not connected.
            release()
            await self._disconnected(link)
            raise
        connection = WebSocketConnection(websocket, self.runtime.settings.ocpp_max_frame_bytes)
        station = STATIONS[subprotocol](link, connection, self.runtime)
        station.after_first_answer = release
        replaced = self.registry.put(station_id, station)
        try:
            if replaced is not None:
                await replaced.connection.close(REPLACED, "replaced by a newer connection")
            await station.serve()
        except Closed:
            pass
        except Exception:
            LOGGER.exception("%s: connection failed", station_id)
            await connection.close(1011, "internal error")
        finally:
            release()
            station.closed.set()
            # A connection replaced by a newer one leaves the station's live state to that one.
            if self.registry.discard(station_id, station):
                await self._disconnected(link)

    async def _admit(self, websocket: WebSocket, station_id: str, subprotocol: str) -> live.StationLink:
        """Admission in its own short unit of work: kept out of the endpoint's frame, which lives
        as long as the connection, so no session object stays referenced per connection."""
        credentials = basic_credentials(websocket.headers.get("authorization"))
        async with self.runtime.uow() as uow:
            return await live.admit(uow, station_id, credentials, subprotocol, datetime.now(UTC))

    async def _disconnected(self, link: live.StationLink) -> None:
        try:
            async with self.runtime.uow() as uow:
                await live.disconnected(uow, link)
        except Exception:  # the connection is gone either way; is_online ages it out
            LOGGER.exception("%s: recording the disconnect failed", link.ocpp_id)


async def _deny(websocket: WebSocket, status: int) -> None:
    """Refuse the handshake with an HTTP status where the server can send one (uvicorn can), else 403."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = {
            401: {"WWW-Authenticate": 'Basic realm="OCPP", charset="UTF-8"'},
            503: {"Retry-After": str(RETRY_AFTER_S)},
        }.get(status)
        await websocket.send_denial_response(Response(status_code=status, headers=headers))
        _REFUSALS.pending += 1
    else:
        await websocket.close()


def mount(app: FastAPI, runtime: Runtime) -> Gateway:
    """Serve OCPP on `app` and register the command channel on the runtime."""
    configure_library()
    gateway = Gateway(runtime)
    app.add_api_websocket_route(PATH, gateway.endpoint)
    runtime.station_commands = GatewayCommands(gateway.registry)
    app.state.ocpp = gateway
    return gateway
