"""One simulated station, protocol-neutral: its websocket (with reconnect and backoff), the
offline queue that keeps transaction messages with their original timestamps, the connectors and
their energy registers, and the scenario steps. station16/station201 add the messages."""

from __future__ import annotations

import abc
import asyncio
import base64
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from ocpp import routing
from ocpp.charge_point import ChargePoint, camel_to_snake_case
from ocpp.exceptions import OCPPError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from depotshare.simulator.config import SimConfig
from depotshare.simulator.stats import Stats

# The library logs every frame at INFO; a simulator of thousands of stations must not.
OCPP_LOG = logging.getLogger("depotshare.simulator.ocpp")
OCPP_LOG.setLevel(logging.WARNING)
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
PERMANENT_HTTP = frozenset({400, 401, 403, 404, 426})  # retrying will not change the answer
MAX_FRAME = 1 << 20
STABLE_S = 10.0  # a connection that lasted this long resets the backoff
F = TypeVar("F", bound=Callable[..., Any])


def on(action: str) -> Callable[[F], F]:
    """The library's `on`, typed: handles a CSMS call."""
    return cast(Callable[[F], F], routing.on(action))


def after(action: str) -> Callable[[F], F]:
    """The library's `after`, typed: runs once the answer to a CSMS call is sent."""
    return cast(Callable[[F], F], routing.after(action))


class StationFailed(Exception):
    """The station cannot go on (handshake refused, boot never accepted, run stopped)."""


class Disconnected(Exception):
    """The connection dropped while a call was waiting for its answer."""


class Clock:
    """The station's clock: starts at the wall clock and runs `speed` times faster."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._wall0 = datetime.now(UTC)
        self._mono0 = time.monotonic()

    def now(self) -> datetime:
        return self._wall0 + timedelta(seconds=(time.monotonic() - self._mono0) * self.speed)

    def stamp(self, at: datetime | None = None) -> str:
        return (at or self.now()).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Transaction:
    connector: int
    id_tag: str
    meter_start_wh: int
    started_at: datetime
    transaction_id: str | None = None  # 1.6: assigned by the CSMS (None while queued offline)
    seq_no: int = 0  # 2.0.1: the next TransactionEvent's seqNo
    remote_start_id: int | None = None
    token_type: str | None = None  # 2.0.1 idToken type when the CSMS gave one
    auth_status: str | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Connector:
    id: int
    # The energy meter in joules (sums of whole W x s stay exact); keeps counting across sessions.
    register_j: float = 0.0
    status: str = "Available"
    error_code: str = "NoError"
    tx: Transaction | None = None
    operative: bool = True

    @property
    def reading_wh(self) -> int:
        return int(self.register_j / 3600 + 1e-9)

    def set_reading(self, wh: int) -> None:
        self.register_j = wh * 3600.0


@dataclass
class Pending:
    """A transaction message held while offline; `build` runs at send time so a 1.6 message
    queued before its StartTransaction was answered carries the transaction id known by then."""

    build: Callable[[], Any]
    on_result: Callable[[Any], None] | None = None


class LocalList:
    """The station's Local Authorization List: id token -> its info (1.6 idTagInfo or 2.0.1
    idTokenInfo, snake_case), kept as a real station keeps it: a Full update replaces it, a
    Differential one adds, replaces (with info) and removes (without) entries, each with a version
    above the current one; anything beyond the station's limits is refused and changes nothing."""

    def __init__(self, max_entries: int, per_message: int) -> None:
        self.max_entries = max_entries
        self.per_message = per_message
        self.version = 0
        self.entries: dict[str, dict[str, Any]] = {}
        self.updates: list[tuple[int, str, int]] = []  # (version, update type, items) accepted

    def update(self, version: int, update_type: str, items: list[tuple[str, dict[str, Any] | None]]) -> str:
        if len(items) > self.per_message:
            return "Failed"
        full = update_type == "Full"
        if not full and version <= self.version:
            return "VersionMismatch"
        entries = {} if full else dict(self.entries)
        for token, info in items:
            if info is None:
                if full:
                    return "Failed"  # a full list carries every entry's status
                entries.pop(token, None)
            else:
                entries[token] = info
        if len(entries) > self.max_entries:
            return "Failed"
        self.entries, self.version = entries, version
        self.updates.append((version, update_type, len(items)))
        return "Accepted"

    def status(self, token: str, now: datetime) -> str | None:
        """How the station decides alone: the entry's status while it has not expired."""
        info = self.entries.get(token)
        if info is None:
            return None
        expiry = info.get("expiry_date") or info.get("cache_expiry_date_time")
        if expiry and datetime.fromisoformat(expiry.replace("Z", "+00:00")) <= now:
            return "Expired"
        return str(info.get("status"))


class Station(abc.ABC):
    protocol: str
    call_module: Any  # ocpp.v16.call or ocpp.v201.call

    def __init__(
        self, station_id: str, index: int, cfg: SimConfig, stats: Stats, stopping: asyncio.Event
    ) -> None:
        self.id = station_id
        self.index = index
        self.cfg = cfg
        self.stats = stats
        self.clock = Clock(cfg.speed)
        self.token = cfg.token_for(index)
        self.connectors = {
            n: Connector(n, register_j=cfg.meter_start_wh * 3600.0) for n in range(1, cfg.connectors + 1)
        }
        self.heartbeat_s = cfg.heartbeat_s or 300.0
        self.meter_interval_s = cfg.meter_interval_s
        self.booted = False
        self._booted_once = False
        self.failed: str | None = None
        self._stopping = stopping
        self._closing = False
        self._cp: ChargePoint | None = None
        self._ws: ClientConnection | None = None
        self._lost: asyncio.Future[None] | None = None  # resolved when the live connection drops
        self._online = asyncio.Event()
        self._want_online = True
        self._reconnect_now = False
        self._wake = asyncio.Event()
        self._queue_offline = True
        self._queue: deque[Pending] = deque()
        self._flusher: asyncio.Task[None] | None = None
        # One sender of the queue at a time: a reconnect's flush and a flusher started by `send`
        # would otherwise both send the head and both pop it (a message twice, then an empty pop).
        self._flush_lock = asyncio.Lock()
        self._flushed = asyncio.Event()
        self._flushed.set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._needs_boot = False  # after a Reset: boot again on the next connection
        self._ever_connected = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conn_task: asyncio.Task[None] | None = None
        self._effect: Callable[[], Awaitable[Any]] | None = None
        self.local_list = LocalList(cfg.local_list_max, cfg.local_list_per_message)

    # --- protocol-specific -----------------------------------------------------------------

    @abc.abstractmethod
    def make_charge_point(self, ws: ClientConnection) -> ChargePoint: ...

    @abc.abstractmethod
    def boot_payload(self, reason: str) -> Any: ...

    @abc.abstractmethod
    async def send_status(self, connector: int, status: str, error_code: str = "NoError") -> None: ...

    @abc.abstractmethod
    async def authorize(self, id_tag: str) -> str | None: ...

    @abc.abstractmethod
    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        meter_start_wh: int,
        remote_start_id: int | None = None,
        token_type: str | None = None,
    ) -> Transaction: ...

    @abc.abstractmethod
    async def send_meter_values(self, connector: Connector, power_w: float, at: datetime) -> None: ...

    @abc.abstractmethod
    async def stop_transaction(
        self, tx: Transaction, reason: str, meter_stop_wh: int | None = None
    ) -> None: ...

    # --- connection ------------------------------------------------------------------------

    def start(self) -> None:
        self._conn_task = asyncio.create_task(self._connection_loop(), name=f"sim-conn-{self.id}")

    def _headers(self) -> dict[str, str]:
        password = self.cfg.password_for(self.id)
        if password is None:
            return {}
        creds = base64.b64encode(f"{self.id}:{password}".encode()).decode()
        return {"Authorization": f"Basic {creds}"}

    async def _connection_loop(self) -> None:
        failures = 0  # connections in a row that failed or did not last: the backoff grows
        delay = 0.0
        first_try = time.monotonic()
        while not self._closing:
            if not self._want_online:
                self._wake.clear()
                await self._wake.wait()
                delay = 0.0
                continue
            if delay and not self._reconnect_now:
                self._wake.clear()
                await self.wait_for(self._wake, delay * (0.5 + random.random()))
                if self._closing:
                    return
            self._reconnect_now = False
            ws = await self._open(first_try)
            if self.failed:
                return
            if ws is not None:
                opened = time.monotonic()
                await self._serve_connection(ws)
                if self.failed:
                    return
                failures = 0 if time.monotonic() - opened > STABLE_S else failures + 1
            else:
                failures += 1
            delay = min(BACKOFF_FIRST_S * 2 ** max(failures - 1, 0), BACKOFF_MAX_S)

    async def _open(self, first_try: float) -> ClientConnection | None:
        """A websocket, or None to try again later (failed is set when retrying is pointless)."""
        try:
            return await connect(
                self.cfg.station_url(self.id),
                subprotocols=[Subprotocol(self.protocol)],
                additional_headers=self._headers(),
                open_timeout=self.cfg.call_timeout_s,
                compression=None,
                proxy=None,
                max_size=MAX_FRAME,
                user_agent_header="depotshare-simulator",
            )
        except InvalidStatus as e:
            code = e.response.status_code
            if code in PERMANENT_HTTP:
                self._give_up(f"handshake refused with HTTP {code}")
            reason = f"handshake answered HTTP {code}"
        except (OSError, TimeoutError, InvalidHandshake) as e:
            reason = f"cannot connect: {e or type(e).__name__}"
        # Never connected: a wrong address; give up after a while instead of waiting forever.
        if (
            not self.failed
            and not self._ever_connected
            and time.monotonic() - first_try > self.cfg.call_timeout_s
        ):
            self._give_up(reason)
        return None

    async def _serve_connection(self, ws: ClientConnection) -> None:
        if ws.subprotocol != self.protocol:
            await ws.close()
            self._give_up(f"the CSMS did not accept subprotocol {self.protocol} (got {ws.subprotocol})")
            return
        if self._ever_connected:
            self.stats.reconnects += 1
        else:
            self.stats.connected += 1
        cp = self.make_charge_point(ws)
        self._ws, self._cp = ws, cp
        self._lost = asyncio.get_running_loop().create_future()
        reader = asyncio.create_task(cp.start(), name=f"sim-read-{self.id}")
        resumed = self._ever_connected
        self._ever_connected = True
        self._online.set()
        self.spawn(self._after_connect(resumed))
        try:
            await reader
        except ConnectionClosed:
            pass
        except Exception as e:
            self.stats.error(f"{self.id}: reading from the CSMS failed: {e!r}")
        finally:
            self._online.clear()
            self._ws = self._cp = None
            if not self._lost.done():
                self._lost.set_result(None)
            if self._heartbeat:
                self._heartbeat.cancel()
            await ws.close()

    async def _after_connect(self, resumed: bool) -> None:
        try:
            if self._needs_boot:
                self._needs_boot = False
                await self.boot("RemoteReset")
            await self._flush()
            if resumed:  # the CSMS may have missed changes while we were away
                for c in self.connectors.values():
                    await self.send_status(c.id, c.status, c.error_code)
            if self.booted:
                self._start_heartbeat()
        except (Disconnected, StationFailed):
            pass

    def _give_up(self, reason: str) -> None:
        self.failed = reason
        self.stats.failed += 1
        self.stats.error(f"{self.id}: {reason}")
        self._online.set()  # wake waiters so they see the failure

    async def wait_for(self, event: asyncio.Event, limit_s: float | None = None) -> bool:
        """Wait for `event`, the run's stop or the timeout (wall seconds); True when `event` is set."""
        if event.is_set() or self._stopping.is_set():
            return event.is_set()
        waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._stopping.wait())]
        try:
            await asyncio.wait(waiters, timeout=limit_s, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when cancelled: no waiter is left pending
            for w in waiters:
                w.cancel()
        return event.is_set()

    async def wait_online(self) -> None:
        while not self.failed and not self._online.is_set():
            if not await self.wait_for(self._online):
                raise StationFailed("run stopped")
        if self.failed:
            raise StationFailed(self.failed)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def go_offline(self, queue: bool) -> None:
        """Drop the link and stay away until `reconnect`; with `queue`, transaction messages
        wait for the link, otherwise they are lost."""
        self._want_online = False
        self._queue_offline = queue
        self._online.clear()  # from now on messages queue, even before the close completes
        if self._ws is not None:
            await self._ws.close()

    async def reconnect(self) -> None:
        """Back online after `offline`, or a fresh connection when online; returns once the
        offline queue is sent."""
        self._reconnect_now = True
        if self._want_online and self._ws is not None:
            await self._ws.close()
        self._want_online = True
        self._queue_offline = True
        self._wake.set()
        await self.wait_online()
        await asyncio.sleep(0)
        await self._flushed.wait()

    async def finish(self, grace_s: float) -> None:
        """End of the run: close open sessions, let the offline queue go out, disconnect."""
        if not self.failed and self.booted:
            try:
                await asyncio.wait_for(self._close_out(), grace_s)
            except TimeoutError:
                self.stats.error(f"{self.id}: open sessions not closed within {grace_s:g} s")
            except (Disconnected, StationFailed):
                pass
        self.stats.dropped += len(self._queue)
        await self.close()

    async def _close_out(self) -> None:
        await self.stop_all("Local")
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        if self._queue and self._want_online:
            await self._flushed.wait()

    async def close(self) -> None:
        self._closing = True
        self._want_online = False
        self._wake.set()
        for task in list(self._tasks):
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._conn_task is not None:
            await asyncio.gather(self._conn_task, return_exceptions=True)

    def spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if not isinstance(exc, Disconnected | StationFailed):
                self.stats.error(f"{self.id}: {exc!r}")

    @property
    def is_online(self) -> bool:
        return self._online.is_set() and self._cp is not None

    @property
    def has_queued(self) -> bool:
        return bool(self._queue)

    # --- calls -----------------------------------------------------------------------------

    async def call(self, payload: Any) -> Any:
        """One call on the live connection, timed; raises Disconnected when the link drops."""
        cp, lost = self._cp, self._lost
        if cp is None or lost is None or lost.done():
            raise Disconnected
        action = type(payload).__name__
        started = time.perf_counter()
        task = asyncio.ensure_future(
            cp.call(payload, suppress=False, skip_schema_validation=not self.cfg.validate)
        )
        done, _ = await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        if task not in done:
            task.cancel()
            raise Disconnected
        try:
            result = task.result()
        except OCPPError as e:
            self.stats.calls_sent += 1
            self.stats.error(f"{self.id}: {action} answered {type(e).__name__}: {e.description}")
            return None
        except TimeoutError:
            self.stats.calls_sent += 1
            self.stats.error(f"{self.id}: {action} not answered within {self.cfg.call_timeout_s:g} s")
            return None
        self.stats.record_rtt(action, time.perf_counter() - started)
        return result

    async def send(
        self, build: Callable[[], Any], *, queueable: bool, on_result: Callable[[Any], None] | None = None
    ) -> Any:
        """Send now, or hold a transaction message while offline (in order, behind those already
        held). Other messages are skipped while offline: None comes back."""
        online = self.is_online
        if queueable and (self._queue or not online):
            if not self._want_online and not self._queue_offline:
                self.stats.dropped += 1
                return None
            self._queue.append(Pending(build, on_result))
            self.stats.queued += 1
            self._flushed.clear()
            if online:
                self._ensure_flusher()
            return None
        if not online:
            return None
        payload = build()
        if payload is None:
            return None
        try:
            result = await self.call(payload)
        except Disconnected:
            if queueable:
                self._queue.appendleft(Pending(build, on_result))
                self.stats.queued += 1
                self._flushed.clear()
            return None
        if result is not None and on_result is not None:
            on_result(result)
        return result

    async def send_payload(
        self, payload: Any, *, queueable: bool, on_result: Callable[[Any], None] | None = None
    ) -> Any:
        """`send` for a message whose content is final when built (all of 2.0.1's)."""
        return await self.send(lambda: payload, queueable=queueable, on_result=on_result)

    def _ensure_flusher(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        async with self._flush_lock:
            while self._queue:
                item = self._queue[0]
                payload = item.build()
                try:
                    result = None if payload is None else await self.call(payload)
                except Disconnected:
                    return  # kept at the head; the next connection sends it
                self._queue.popleft()
                if result is not None and item.on_result is not None:
                    item.on_result(result)
            self._flushed.set()

    # --- shared behaviour ------------------------------------------------------------------

    async def boot(self, reason: str = "PowerUp") -> None:
        """BootNotification until Accepted, retrying after the interval the CSMS asks for."""
        while True:
            await self.wait_online()
            try:
                result = await self.call(self.boot_payload(reason))
            except Disconnected:
                continue
            status = getattr(result, "status", None)
            interval = float(getattr(result, "interval", 0) or 0)
            if status == "Accepted":
                self.booted = True
                if not self._booted_once:
                    self._booted_once = True
                    self.stats.booted += 1
                if interval > 0 and self.cfg.heartbeat_s is None:
                    self.heartbeat_s = interval
                self._start_heartbeat()
                return
            if result is not None:
                self.stats.error(f"{self.id}: BootNotification answered {status}")
            if not await self.pause(interval or 10.0, real=True):
                raise StationFailed("run stopped before the boot was accepted")

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._heartbeat_loop())

    async def _heartbeat_loop(self) -> None:
        while self._online.is_set():
            if not await self.pause(self.heartbeat_s, real=True):
                return
            try:
                await self.send(lambda: self.call_module.Heartbeat(), queueable=False)
            except Disconnected:
                return

    async def pause(self, seconds: float, until: asyncio.Event | None = None, *, real: bool = False) -> bool:
        """Sleep `seconds` of station time (wall time if `real`); False when the run stops or
        `until` is set first."""
        timeout = seconds if real else seconds / self.cfg.speed
        events = [self._stopping, *([until] if until is not None else [])]
        if any(e.is_set() for e in events):
            return False
        waiters = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when cancelled: no waiter is left pending
            for w in waiters:
                w.cancel()
        return not done

    async def set_status(self, connector: int, status: str, error_code: str = "NoError") -> None:
        c = self.connectors.get(connector)
        if c is not None:
            c.status, c.error_code = status, error_code
        await self.send_status(connector, status, error_code)

    def connector(self, n: int) -> Connector:
        c = self.connectors.get(n)
        if c is None:
            c = self.connectors[n] = Connector(n, register_j=self.cfg.meter_start_wh * 3600.0)
        return c

    async def charge(self, connector: Connector, every_s: float, count: int, power_kw: float) -> None:
        """`count` meter intervals of charging at `power_kw`; ends early when the transaction does."""
        tx = connector.tx
        for _ in range(count):
            if not await self.pause(every_s, tx.ended if tx is not None else None):
                return
            connector.register_j += power_kw * 1000 * every_s
            await self.send_meter_values(connector, power_kw * 1000, self.clock.now())

    def ended(self, tx: Transaction, meter_stop_wh: int) -> None:
        """Book-keeping once the stop is sent (or queued)."""
        tx.ended.set()
        c = self.connectors.get(tx.connector)
        if c is not None and c.tx is tx:
            c.tx = None
        if tx.auth_status in (None, "Accepted"):
            self.stats.sessions_done += 1
            self.stats.energy_wh += max(0, meter_stop_wh - tx.meter_start_wh)

    async def remote_session(
        self, connector: int, id_tag: str, remote_start_id: int | None = None, token_type: str | None = None
    ) -> None:
        """A session the CSMS started: charge until it is stopped (remotely or by the run's end)."""
        c = self.connector(connector)
        v16 = self.protocol == "ocpp1.6"
        await self.set_status(connector, "Preparing" if v16 else "Occupied")
        tx = await self.start_transaction(connector, id_tag, c.reading_wh, remote_start_id, token_type)
        if tx.ended.is_set():
            await self.set_status(connector, "Available")
            return
        if v16:
            await self.set_status(connector, "Charging")
        await self.charge(c, self.meter_interval_s, 1 << 30, self.cfg.power_kw)
        if not tx.ended.is_set():  # else whoever stopped it (RemoteStop, Reset...) freed the connector
            await self.stop_transaction(tx, "Local")
            await self.set_status(connector, "Available")

    async def stop_all(self, reason: str) -> None:
        for c in self.connectors.values():
            if c.tx is not None and not c.tx.ended.is_set():
                await self.stop_transaction(c.tx, reason)

    async def reboot(self, reason: str) -> None:
        """Reset: close open transactions, drop the link, boot again on the next connection."""
        await self.stop_all(reason)
        self.booted = False
        self._needs_boot = True
        for c in self.connectors.values():
            c.status = "Available"
        self._reconnect_now = True
        if self._ws is not None:
            await self._ws.close()

    def set_effect(self, effect: Callable[[], Awaitable[Any]]) -> None:
        """What an accepted CSMS command does; run_effect starts it once the answer is sent."""
        self._effect = effect

    def run_effect(self) -> None:
        effect, self._effect = self._effect, None
        if effect is not None:
            self.spawn(effect())

    def snake(self, payload: dict[str, Any]) -> dict[str, Any]:
        converted: dict[str, Any] = camel_to_snake_case(payload)
        return converted
