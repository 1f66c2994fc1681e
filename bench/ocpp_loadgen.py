"""The load side of bench/ocpp_load.py: lean OCPP 1.6J stations and a bare echo server.

Why not `depotshare simulate`: it is built on the `ocpp` library's client, which renames keys and
validates every message by default (~0.5 ms of CPU per call on this machine), so one vCPU of
generators could not drive the server, let alone the echo ceiling. These stations speak RFC 6455
themselves over an asyncio Protocol (handshake, masked frames out, ping/pong/close) and build their
frames with orjson: valid OCPP 1.6J messages as a real charger sends them (BootNotification,
StatusNotification, Authorize, Start/StopTransaction with transactionData, Heartbeat, and a 1.4 KB
MeterValues with ten sampled values), one outstanding CALL per connection as OCPP-J requires. A
round trip is timed from the moment the call was due (its schedule, or the start of the call), so
waiting for the station's previous call counts.

Each generator process runs one event loop (uvloop) and obeys commands from the orchestrator over
a pipe: connect, measure, charge, saturate, open, drop, quit. Everything is bounded by deadlines.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import random
import resource
import time
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import orjson

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the C extension ships with websockets wheels

    def apply_mask(data: bytes, mask: bytes) -> bytes:
        n = len(data)
        return (int.from_bytes(data, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(
            n, "big"
        )


SUBPROTOCOL = "ocpp1.6"
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CALL_TIMEOUT_S = 30.0  # what EVerest libocpp waits for an answer
HANDSHAKE = "(handshake)"  # the pseudo-action under which websocket handshakes are timed
VOLTAGE = 230.0
# What a charging station does next, by probability (the MeterValues-heavy mix). A stop is followed
# by a StartTransaction on the same connector at that station's next turn.
MIX = (("MeterValues", 0.88), ("StatusNotification", 0.04), ("Authorize", 0.04), ("StopTransaction", 0.04))
_CUMULATIVE = [sum(p for _, p in MIX[: i + 1]) for i in range(len(MIX))]


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pin(cpus: set[int] | None) -> None:
    if cpus:
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(0, cpus)


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover
        return asyncio.new_event_loop()


def stamp(t: float | None = None) -> str:
    """An OCPP dateTime (UTC, milliseconds, Z) of wall time t."""
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


# --------------------------------------------------------------------------- messages


def sampled_values(register_wh: int, power_w: float, context: str) -> list[dict[str, str]]:
    """Ten sampled values, as a three-phase AC charger with a detailed MeterValuesSampledData sends."""
    amps = power_w / (3 * VOLTAGE)

    def sv(value: str, measurand: str, unit: str, phase: str | None = None) -> dict:
        out = {"value": value, "context": context, "format": "Raw", "measurand": measurand}
        if phase:
            out["phase"] = phase
        out["location"] = "Outlet"
        out["unit"] = unit
        return out

    values = [
        sv(str(register_wh), "Energy.Active.Import.Register", "Wh"),
        sv(f"{power_w:.0f}", "Power.Active.Import", "W"),
        sv("22080", "Power.Offered", "W"),
        sv("32.0", "Current.Offered", "A"),
    ]
    values += [sv(f"{amps:.2f}", "Current.Import", "A", p) for p in ("L1", "L2", "L3")]
    values += [sv(f"{VOLTAGE:.1f}", "Voltage", "V", f"{p}-N") for p in ("L1", "L2", "L3")]
    return values


def meter_values(connector: int, transaction_id: int | None, register_wh: int, power_w: float) -> dict:
    payload: dict[str, Any] = {"connectorId": connector}
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    payload["meterValue"] = [
        {"timestamp": stamp(), "sampledValue": sampled_values(register_wh, power_w, "Sample.Periodic")}
    ]
    return payload


def boot_payload(ocpp_id: str) -> dict:
    return {
        "chargePointVendor": "DepotShare",
        "chargePointModel": "DS-BENCH-22",
        "chargePointSerialNumber": ocpp_id[-25:],
        "firmwareVersion": "1.8.3-bench",
        "iccid": "8949020000012345678",
        "imsi": "262011234567890",
    }


def status_payload(connector: int, status: str) -> dict:
    return {"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": stamp()}


# --------------------------------------------------------------------------- figures


@dataclass
class Bucket:
    """Round trips (seconds) per action of calls *due* at or after `since` (perf_counter), errors."""

    since: float = 0.0
    rtt: dict[str, array[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    slowest: dict[int, float] = field(default_factory=dict)  # wall second answered -> slowest round trip

    def add(self, action: str, due: float, seconds: float) -> None:
        if due >= self.since:
            series = self.rtt.get(action)
            if series is None:
                series = self.rtt[action] = array("d")
            series.append(seconds)
            second = int(time.time())
            if seconds > self.slowest.get(second, 0.0):
                self.slowest[second] = seconds

    def error(self, action: str, due: float, message: str) -> None:
        if due >= self.since:
            self.errors[action] = self.errors.get(action, 0) + 1
            if len(self.samples) < 10:
                self.samples.append(f"{action}: {message}"[:300])

    def export(self) -> dict[str, Any]:
        return {
            "rtt": {a: s.tobytes() for a, s in self.rtt.items()},
            "errors": dict(self.errors),
            "samples": list(self.samples),
            "slowest": dict(self.slowest),
        }


def csms_call_answer(msg: list[Any]) -> list[Any]:
    """A bench station answers the central system like a charger with its local authorization
    list switched off (the gateway's local list sync asks every station after it connects: one
    GetConfiguration, then it leaves the station alone); anything else is NotSupported."""
    action = msg[2] if len(msg) > 2 else None
    payload = msg[3] if len(msg) > 3 and isinstance(msg[3], dict) else {}
    if action == "GetConfiguration":
        asked = [k for k in payload.get("key") or [] if isinstance(k, str)]
        known = [{"key": "LocalAuthListEnabled", "readonly": True, "value": "false"}]
        unknown = [k for k in asked if k != "LocalAuthListEnabled"]
        return [3, msg[1], {"configurationKey": known, **({"unknownKey": unknown} if unknown else {})}]
    if action == "GetLocalListVersion":
        return [3, msg[1], {"listVersion": -1}]  # 1.6: -1 = no local list
    if action == "SendLocalList":
        return [3, msg[1], {"status": "NotSupported"}]
    return [4, msg[1], "NotSupported", "bench station", {}]


class CallFailed(Exception):
    pass


# --------------------------------------------------------------------------- the websocket


def _handshake(path: str, host: str, authorization: str | None) -> tuple[bytes, str]:
    key = base64.b64encode(os.urandom(16)).decode()
    accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
    auth = f"Authorization: {authorization}\r\n" if authorization else ""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\n{auth}User-Agent: depotshare-bench\r\n\r\n"
    )
    return request.encode(), accept


def _frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: FIN, masked (RFC 6455 5.3), with a fresh masking key."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    mask = random.randbytes(4)
    return head + mask + apply_mask(payload, mask)


class Link(asyncio.Protocol):
    """One client websocket for one station."""

    def __init__(self, owner: Station, path: str, host: str, authorization: str | None = None) -> None:
        loop = asyncio.get_running_loop()
        self.owner = owner
        self.request, self.accept = _handshake(path, host, authorization)
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.is_open = False
        self.frag: bytes | None = None
        self.close_sent = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.is_open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).decode("latin-1")
            del buf[: end + 4]
            problem = self._check(head)
            if problem:
                if not self.opened.done():
                    self.opened.set_exception(CallFailed(problem))
                self.abort()
                return
            self.is_open = True
            if not self.opened.done():
                self.opened.set_result(None)
        self._frames()

    def _check(self, head: str) -> str | None:
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or parts[1] != "101":
            return f"handshake answered {lines[0]!r}"
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        if headers.get("sec-websocket-accept") != self.accept:
            return "bad Sec-WebSocket-Accept"
        if headers.get("sec-websocket-protocol") != SUBPROTOCOL:
            return f"subprotocol {headers.get('sec-websocket-protocol')!r}"
        return None

    def _frames(self) -> None:
        buf = self.buf
        while True:
            n = len(buf)
            if n < 2:
                return
            size, off = buf[1] & 0x7F, 2
            if size == 126:
                if n < 4:
                    return
                size, off = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if n < 10:
                    return
                size, off = int.from_bytes(buf[2:10], "big"), 10
            masked = buf[1] & 0x80
            if masked:
                off += 4
            if n < off + size:
                return
            b0 = buf[0]
            payload = bytes(buf[off : off + size])
            if masked:  # servers do not mask; tolerate it anyway
                payload = apply_mask(payload, bytes(buf[off - 4 : off]))
            del buf[: off + size]
            opcode = b0 & 0x0F
            if opcode in (0, 1, 2):
                if not b0 & 0x80:  # a fragment: keep until the final one
                    self.frag = (self.frag or b"") + payload
                    continue
                if self.frag is not None:
                    payload, self.frag = self.frag + payload, None
                self.owner.on_message(self, payload)
            elif opcode == 9:  # ping
                self.send_frame(10, payload)
            elif opcode == 8:  # close: answer it and let the server close TCP
                if not self.close_sent:
                    self.send_frame(8, payload[:2])
                    self.close_sent = True
                self.is_open = False
                if self.transport is not None:
                    self.transport.close()
                return

    def send_frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(opcode, payload))

    def send(self, text: bytes) -> None:
        if not self.is_open:
            raise CallFailed("connection not open")
        self.send_frame(1, text)

    def close(self, code: int = 1001) -> None:
        if self.is_open and not self.close_sent:
            self.send_frame(8, code.to_bytes(2, "big"))
            self.close_sent = True
        self.is_open = False
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.is_open = False
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.is_open = False
        if not self.opened.done():
            self.opened.set_exception(CallFailed(f"connection lost during handshake: {exc!r}"))
        self.owner.on_lost(self)


# --------------------------------------------------------------------------- one station


class Station:
    def __init__(self, gen: Generator, index: int, ocpp_id: str, token: str) -> None:
        self.gen = gen
        self.index = index
        self.id = ocpp_id
        self.token = token
        self.link: Link | None = None
        self.busy = False
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.pending: tuple[str, asyncio.Future[list[Any]]] | None = None
        self.seq = 0
        self.tx: int | None = None
        self.tx_start: tuple[str, int] | None = None  # (timestamp, meterStart) of the open transaction
        self.register_wh = 1_000 + (index * 7919) % 500_000
        self.last_meter = time.monotonic()
        self.power_w = 11_000.0
        self.status = "Available"
        self.heartbeat_s = 0.0
        self.hb_handle: asyncio.TimerHandle | None = None
        self.booted_at: float | None = None  # wall time of the last accepted boot

    # --- connection

    async def connect(self, host: str, port: int, base: str) -> None:
        loop = asyncio.get_running_loop()
        path = f"{base.rstrip('/')}/{self.id}"
        password = self.gen.password
        basic = base64.b64encode(f"{self.id}:{password}".encode()).decode() if password else None
        link = Link(self, path, f"{host}:{port}", f"Basic {basic}" if basic else None)
        async with asyncio.timeout(CALL_TIMEOUT_S):
            await loop.create_connection(lambda: link, host, port)
            self.link = link
            await link.opened

    def on_lost(self, link: Link) -> None:
        if self.link is link:
            self.link = None
            self.stop_heartbeat()
            if self.pending is not None and not self.pending[1].done():
                self.pending[1].set_exception(CallFailed("connection lost"))

    def on_message(self, link: Link, raw: bytes) -> None:
        try:
            msg = orjson.loads(raw)
            kind = msg[0]
        except (orjson.JSONDecodeError, IndexError, KeyError, TypeError):
            self.gen.bucket.error("(frame)", time.perf_counter(), f"unreadable frame {raw[:80]!r}")
            return
        if kind in (3, 4):
            pending = self.pending
            if pending is not None and msg[1] == pending[0] and not pending[1].done():
                pending[1].set_result(msg)
        elif kind == 2:  # the CSMS asks something: see csms_call_answer
            link.send_frame(1, orjson.dumps(csms_call_answer(msg)))

    # --- one outstanding CALL

    async def _turn(self) -> None:
        if not self.busy:
            self.busy = True
            return
        fut = asyncio.get_running_loop().create_future()
        self.waiting.append(fut)
        try:
            await fut  # the previous caller hands the turn over with busy still set
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self._pass_turn()
            raise

    def _pass_turn(self) -> None:
        while self.waiting:
            nxt = self.waiting.popleft()
            if not nxt.done():
                nxt.set_result(None)
                return
        self.busy = False

    async def call(self, action: str, payload: dict, due: float | None = None) -> Any:
        """Send a CALL and return the CALLRESULT payload; the round trip is recorded from `due`."""
        due = time.perf_counter() if due is None else due
        bucket = self.gen.bucket
        await self._turn()
        try:
            link = self.link
            if link is None or not link.is_open:
                raise CallFailed("not connected")
            self.seq += 1
            mid = f"{self.index:x}-{self.seq}"
            fut: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
            self.pending = (mid, fut)
            link.send(orjson.dumps([2, mid, action, payload]))
            timer = asyncio.get_running_loop().call_later(CALL_TIMEOUT_S, _expire, fut)
            try:
                reply = await fut
            finally:
                timer.cancel()
                self.pending = None
        except CallFailed as e:
            bucket.error(action, due, str(e))
            raise
        finally:
            self._pass_turn()
        if reply[0] == 4:
            bucket.error(action, due, f"CALLERROR {reply[2]}: {reply[3]}")
            raise CallFailed(f"{action}: CALLERROR {reply[2]}")
        bucket.add(action, due, time.perf_counter() - due)
        return reply[2]

    # --- what a station does

    async def boot(self) -> None:
        answer = await self.call("BootNotification", boot_payload(self.id))
        if answer.get("status") != "Accepted":
            raise CallFailed(f"boot answered {answer.get('status')}")
        self.booted_at = time.time()
        self.tx = None  # a reboot: the CSMS closes what was open
        self.heartbeat_s = float(answer.get("interval") or 300)

    def start_heartbeat(self, first: float | None = None) -> None:
        self.stop_heartbeat()
        if self.heartbeat_s > 0:
            delay = random.uniform(0, self.heartbeat_s) if first is None else first
            self.hb_handle = asyncio.get_running_loop().call_later(delay, self._heartbeat_due)

    def stop_heartbeat(self) -> None:
        if self.hb_handle is not None:
            self.hb_handle.cancel()
            self.hb_handle = None

    def _heartbeat_due(self) -> None:
        self.hb_handle = asyncio.get_running_loop().call_later(self.heartbeat_s, self._heartbeat_due)
        self.gen.spawn(self._quiet(self.call("Heartbeat", {})))

    @staticmethod
    async def _quiet(aw: Any) -> None:
        with contextlib.suppress(CallFailed):
            await aw

    async def set_status(self, status: str, due: float | None = None) -> None:
        self.status = status
        await self.call("StatusNotification", status_payload(1, status), due)

    async def authorize(self, due: float | None = None) -> None:
        answer = await self.call("Authorize", {"idTag": self.token}, due)
        status = answer.get("idTagInfo", {}).get("status")
        if status != "Accepted":
            self.gen.bucket.error("Authorize", time.perf_counter(), f"idTag {self.token}: {status}")

    async def start_transaction(self, due: float | None = None) -> None:
        at = stamp()
        self._advance()
        answer = await self.call(
            "StartTransaction",
            {"connectorId": 1, "idTag": self.token, "meterStart": self.register_wh, "timestamp": at},
            due,
        )
        status = answer.get("idTagInfo", {}).get("status")
        self.tx = int(answer["transactionId"])
        self.tx_start = (at, self.register_wh)
        if status != "Accepted":
            self.gen.bucket.error("StartTransaction", time.perf_counter(), f"idTag {self.token}: {status}")

    async def stop_transaction(self, due: float | None = None) -> None:
        tx, begin = self.tx, self.tx_start
        if tx is None or begin is None:
            return
        self._advance()
        at = stamp()
        self.tx = None
        data = [
            {"timestamp": ts, "sampledValue": [_register(wh, ctx)]}
            for ts, wh, ctx in (
                (begin[0], begin[1], "Transaction.Begin"),
                (at, self.register_wh, "Transaction.End"),
            )
        ]
        await self.call(
            "StopTransaction",
            {
                "transactionId": tx,
                "idTag": self.token,
                "meterStop": self.register_wh,
                "timestamp": at,
                "reason": "Local",
                "transactionData": data,
            },
            due,
        )

    def _advance(self) -> None:
        now = time.monotonic()
        self.register_wh += int(self.power_w * (now - self.last_meter) / 3600) + 1
        self.last_meter = now

    async def send_meter_values(self, due: float | None = None) -> None:
        self._advance()
        await self.call("MeterValues", meter_values(1, self.tx, self.register_wh, self.power_w), due)

    async def drive(self, due: float | None = None) -> None:
        """One call of the MeterValues-heavy mix (a station without a transaction starts one)."""
        try:
            if self.tx is None:
                await self.start_transaction(due)
                return
            r = random.random()
            if r < _CUMULATIVE[0]:
                await self.send_meter_values(due)
            elif r < _CUMULATIVE[1]:
                await self.set_status("SuspendedEV" if self.status == "Charging" else "Charging", due)
            elif r < _CUMULATIVE[2]:
                await self.authorize(due)
            else:
                await self.stop_transaction(due)
        except CallFailed:
            pass  # recorded

    async def drive_echo(self, due: float | None = None) -> None:
        """The same frames against the echo server, which answers every CALL with an empty result."""
        r = random.random()
        self._advance()
        with contextlib.suppress(CallFailed):
            if r < _CUMULATIVE[0]:
                await self.call("MeterValues", meter_values(1, 4242, self.register_wh, self.power_w), due)
            elif r < _CUMULATIVE[1]:
                await self.call("StatusNotification", status_payload(1, "Charging"), due)
            else:
                await self.call("Authorize", {"idTag": self.token}, due)


def _register(wh: int, context: str) -> dict[str, str]:
    return {
        "value": str(wh),
        "context": context,
        "format": "Raw",
        "measurand": "Energy.Active.Import.Register",
        "location": "Outlet",
        "unit": "Wh",
    }


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_exception(CallFailed(f"no answer within {CALL_TIMEOUT_S:.0f} s"))


# --------------------------------------------------------------------------- one generator process


class Generator:
    def __init__(
        self,
        host: str,
        port: int,
        base: str,
        ids: list[str],
        tokens: list[str],
        first: int,
        password: str | None,
    ) -> None:
        self.host, self.port, self.base, self.password = host, port, base, password
        self.stations = [Station(self, first + k, sid, tokens[k]) for k, sid in enumerate(ids)]
        self.bucket = Bucket()
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, aw: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(aw)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def fresh_bucket(self, since: float = 0.0) -> Bucket:
        old, self.bucket = self.bucket, Bucket(since=since)
        return old

    # --- connect and boot (also the reconnect storm)

    async def _bring_up(
        self, st: Station, deadline: float, gate: asyncio.Semaphore | None
    ) -> tuple[int, bool]:
        """Connect, boot, report connector 1. Like a charger: a failed handshake is retried with
        backoff (0.25 s doubling to 8 s, jittered) on a new connection; a BootNotification left
        unanswered (30 s) is sent again on the same one. Gives up at the deadline. Returns
        (retries, booted)."""
        retries, backoff = 0, 0.25
        while True:
            due = time.perf_counter()
            try:
                async with gate if gate is not None else contextlib.nullcontext():
                    if st.link is None or not st.link.is_open:
                        await st.connect(self.host, self.port, self.base)
                        self.bucket.add(HANDSHAKE, due, time.perf_counter() - due)
                    await st.boot()
                break
            except (CallFailed, OSError, TimeoutError) as e:
                if not isinstance(e, CallFailed):  # a call's failure is recorded by the call
                    self.bucket.error(HANDSHAKE, due, repr(e))
                if st.link is not None and not st.link.is_open:
                    st.link.abort()
                    st.link = None
                if time.monotonic() + backoff > deadline:
                    return retries, False
                retries += 1
                await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
                backoff = min(backoff * 2, 8.0)
        with contextlib.suppress(CallFailed):
            await st.set_status("Charging" if st.tx is not None else "Available")
        st.start_heartbeat()
        return retries, True

    async def cmd_connect(self, deadline_s: float, cap: int = 0, t_go: float = 0.0) -> dict[str, Any]:
        """Bring every station up; `cap` bounds the handshakes in flight (0: all at once). With
        t_go (wall time) all start together then: the reconnect storm."""
        if t_go:
            await asyncio.sleep(max(0.0, t_go - time.time()))
        self.fresh_bucket()
        started = time.time()
        deadline = time.monotonic() + deadline_s
        gate = asyncio.Semaphore(cap) if cap else None
        results = await asyncio.gather(*(self._bring_up(st, deadline, gate) for st in self.stations))
        booted_at = [st.booted_at for st in self.stations if st.booted_at and st.booted_at >= started]
        return {
            "started": started,
            "ended": time.time(),
            "booted": sum(ok for _, ok in results),
            "retries": sum(r for r, _ in results),
            "last_boot": max(booted_at, default=0.0),
            "boot_times": array("d", booted_at).tobytes(),
            "open": sum(1 for st in self.stations if st.link is not None and st.link.is_open),
            "bucket": self.fresh_bucket().export(),
        }

    async def cmd_measure(self, seconds: float) -> dict[str, Any]:
        """Just hold the connections (heartbeats run) and report what happened in the meantime."""
        self.fresh_bucket(time.perf_counter())
        await asyncio.sleep(seconds)
        return {
            "open": sum(1 for st in self.stations if st.link is not None and st.link.is_open),
            "bucket": self.fresh_bucket().export(),
        }

    async def cmd_charge(self, count: int, cap: int = 64) -> dict[str, Any]:
        """The first `count` stations plug in, authorise, start a transaction and report Charging."""
        self.fresh_bucket()
        gate = asyncio.Semaphore(cap)

        async def one(st: Station) -> None:
            async with gate:
                with contextlib.suppress(CallFailed):
                    await st.set_status("Preparing")
                    await st.authorize()
                    await st.start_transaction()
                    await st.set_status("Charging")

        t0 = time.perf_counter()
        await asyncio.gather(*(one(st) for st in self.stations[:count]))
        return {
            "seconds": time.perf_counter() - t0,
            "charging": sum(1 for st in self.stations[:count] if st.tx is not None),
            "bucket": self.fresh_bucket().export(),
        }

    async def cmd_saturate(
        self, concurrency: int, seconds: float, warmup: float, charging: int, echo: bool = False
    ) -> dict[str, Any]:
        """Closed loop: `concurrency` stations each send their next call as soon as the last is
        answered. Figures count calls due inside the window after the warm-up."""
        workers = self.stations[: max(1, min(concurrency, charging or len(self.stations)))]
        t0 = time.perf_counter()
        self.fresh_bucket(t0 + warmup)
        end = t0 + warmup + seconds

        async def loop(st: Station) -> None:
            step = st.drive_echo if echo else st.drive
            while time.perf_counter() < end:
                await step()

        await asyncio.wait_for(
            asyncio.gather(*(loop(st) for st in workers)), warmup + seconds + CALL_TIMEOUT_S + 5
        )
        return {"window": time.perf_counter() - (t0 + warmup), "bucket": self.fresh_bucket().export()}

    async def cmd_open(
        self, rate: float, seconds: float, warmup: float, charging: int, drain: float
    ) -> dict[str, Any]:
        """Open loop: Poisson arrivals at `rate` calls/s spread round-robin over the charging
        stations; a call waits for its station's previous one, and that wait counts."""
        workers = self.stations[: max(1, charging)]
        rng = random.Random(os.getpid())
        t0 = time.perf_counter()
        self.fresh_bucket(t0 + warmup)
        end = t0 + warmup + seconds
        due, i, scheduled = t0, 0, 0
        calls: set[asyncio.Task[Any]] = set()
        while rate > 0:
            due += rng.expovariate(rate)
            if due >= end:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.get_running_loop().create_task(workers[i % len(workers)].drive(due))
            calls.add(task)
            task.add_done_callback(calls.discard)
            i += 1
            scheduled += due >= t0 + warmup
        lag = time.perf_counter() - end
        unfinished = 0
        if calls:
            _, left = await asyncio.wait(set(calls), timeout=drain)
            unfinished = len(left)
            for task in left:
                task.cancel()
        return {
            "window": seconds,
            "scheduled": scheduled,
            "unfinished": unfinished,
            "scheduler_lag": lag,
            "bucket": self.fresh_bucket().export(),
        }

    async def cmd_drop(self, close: bool, within: float) -> dict[str, Any]:
        """Stop heartbeats; close every connection (close=True) or wait for the server to close them."""
        for st in self.stations:
            st.stop_heartbeat()
            if close and st.link is not None:
                st.link.close()
        t0 = time.monotonic()
        # Polled: 10,000 links, one check every 0.1 s is cheaper than bookkeeping on every close.
        while time.monotonic() - t0 < within and any(st.link is not None for st in self.stations):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        for st in self.stations:
            if st.link is not None:
                st.link.abort()
                st.link = None
        for task in list(self.tasks):
            task.cancel()
        return {"seconds": time.monotonic() - t0, "bucket": self.fresh_bucket().export()}


async def _serve_commands(conn: Connection, gen: Generator) -> None:
    loop = asyncio.get_running_loop()
    conn.send(("ready", os.getpid()))
    while True:
        # A blocking read in a thread: the pipe stays blocking for the (large) answers sent here.
        command, kwargs = await loop.run_in_executor(None, conn.recv)
        if command == "quit":
            await gen.cmd_drop(close=True, within=2.0)
            return
        try:
            result = await getattr(gen, f"cmd_{command}")(**kwargs)
        except Exception as e:  # report it; the orchestrator decides
            result = {"failed": f"{command}: {e!r}"}
        conn.send((command, result))


def generator_main(
    conn: Connection,
    cpus: set[int] | None,
    host: str,
    port: int,
    base: str,
    ids: list[str],
    tokens: list[str],
    first: int,
    password: str | None = None,
) -> None:
    """Entry point of a generator process (multiprocessing, spawn)."""
    pin(cpus)
    raise_fd_limit()
    loop = new_loop()
    try:
        gen = Generator(host, port, base, ids, tokens, first, password)
        loop.run_until_complete(_serve_commands(conn, gen))
    finally:
        loop.close()


# --------------------------------------------------------------------------- the ceiling


REPLIES: dict[str, Callable[[], dict[str, Any]]] = {
    "Heartbeat": lambda: {"currentTime": stamp()},
    "BootNotification": lambda: {"currentTime": stamp(), "interval": 300, "status": "Accepted"},
}


def echo_main(port: int, cpus: set[int] | None, ready: Connection) -> None:
    """A bare websockets + orjson server that answers every CALL with a CALLRESULT (no schema,
    no database): what one Python process on this machine can do at most."""
    import logging
    import signal

    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed
    from websockets.typing import Subprotocol

    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    pin(cpus)
    raise_fd_limit()

    async def handler(ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                msg = orjson.loads(raw)
                if msg[0] == 2:
                    reply = REPLIES.get(msg[2])
                    await ws.send(orjson.dumps([3, msg[1], reply() if reply else {}]), text=True)

    async def main() -> None:
        stop = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
        async with serve(
            handler,
            "127.0.0.1",
            port,
            subprotocols=[Subprotocol(SUBPROTOCOL)],
            compression=None,
            max_size=256 * 1024,
            ping_interval=20,
        ):
            ready.send(os.getpid())
            await stop

    loop = new_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
