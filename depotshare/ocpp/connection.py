"""The `ocpp` library talks to a connection with `recv()` and `send()`; this adapts a Starlette
WebSocket (served by uvicorn on the API's port) to that, and enforces the frame size limit."""

from __future__ import annotations

import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

TOO_BIG = 1009  # RFC 6455: message too big to process
REPLACED = 1000  # closed normally: the station opened a newer connection


class Closed(Exception):
    """The websocket is gone; `code` is the close code if one was seen."""

    def __init__(self, code: int) -> None:
        super().__init__(f"websocket closed ({code})")
        self.code = code


class WebSocketConnection:
    def __init__(self, websocket: WebSocket, max_frame_bytes: int) -> None:
        self._ws = websocket
        self._max = max_frame_bytes

    async def recv(self) -> str:
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            raise Closed(int(message.get("code") or 1005))
        text = message.get("text")
        if text is None:
            # OCPP-J wants text frames; some stations send JSON as binary. Accept it when it is
            # UTF-8; otherwise hand on what cannot parse, so the station gets a FormationViolation.
            try:
                text = (message.get("bytes") or b"").decode()
            except UnicodeDecodeError:
                text = ""
        # Characters <= bytes <= 4 x characters: encode only when the limit may be crossed.
        if len(text) * 4 > self._max and len(text.encode()) > self._max:
            await self.close(TOO_BIG, "frame too large")
            raise Closed(TOO_BIG)
        return text

    async def send(self, text: str) -> None:
        try:
            await self._ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as e:
            raise Closed(getattr(e, "code", 1006)) from e

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self._ws.application_state is WebSocketState.DISCONNECTED:
            return
        # Already closing, or the station is gone (Starlette raises WebSocketDisconnect, uvicorn
        # ClientDisconnected before the handshake completed): nothing left to say.
        with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
            await self._ws.close(code, reason)
