"""Runs the stations: each plays its steps on one event loop; with several processes the stations
are split among them and their figures added up at the end."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import queue
import signal
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import Any

from depotshare.simulator import scenario as sc
from depotshare.simulator.config import SimConfig
from depotshare.simulator.station import Station, StationFailed
from depotshare.simulator.station16 import Station16
from depotshare.simulator.station201 import Station201
from depotshare.simulator.stats import Stats

FINISH_GRACE_S = 10.0  # at the end, how long open sessions and the offline queue get to go out


@dataclass(frozen=True)
class Pace:
    deadline: float | None  # monotonic time `hold` ends at; None: until the run is stopped
    charge_s: float  # station time a `session` charges for when the step does not say


def _pace(cfg: SimConfig) -> Pace:
    duration = cfg.duration_s
    deadline = time.monotonic() + duration if duration else None
    per_session = (duration or 60.0) * cfg.speed / max(cfg.sessions, 1)
    return Pace(deadline, per_session)


# --- steps ----------------------------------------------------------------------------------


async def play(st: Station, steps: tuple[sc.Step, ...], pace: Pace, path: str = "steps") -> None:
    for i, step in enumerate(steps):
        if st.stopping:
            return
        await perform(st, step, pace, f"{path}[{i}]")


async def perform(st: Station, step: sc.Step, pace: Pace, path: str) -> None:
    match step:
        case sc.Boot():
            await st.boot()
        case sc.Heartbeat():
            await st.wait_online()
            await st.send(lambda: st.call_module.Heartbeat(), queueable=False)
        case sc.Status(connector=n, status=status, error_code=code):
            await st.set_status(n, status, code)
        case sc.Authorize(id_tag=tag, expect=expect):
            answer = await st.authorize(tag or st.token)
            _expect(st, path, "authorize", expect, answer)
        case sc.Start(connector=n, id_tag=tag, meter_start_wh=meter, expect=expect):
            c = st.connector(n)
            if c.tx is not None:
                st.stats.error(f"{st.id} {path}: connector {n} already has a transaction")
                return
            if meter is not None:
                c.set_reading(meter)
            started = await st.start_transaction(n, tag or st.token, c.reading_wh)
            _expect(st, path, "start", expect, started.auth_status)
        case sc.Meter(every_s=every, count=count, power_kw=power, connector=n):
            c = st.connector(n)
            await st.charge(
                c, every or st.meter_interval_s, count, st.cfg.power_kw if power is None else power
            )
        case sc.Stop(reason=reason, connector=n, meter_stop_wh=meter):
            open_tx = st.connector(n).tx
            if open_tx is not None:
                await st.stop_transaction(open_tx, reason, meter)
        case sc.Wait(seconds=seconds):
            await st.pause(seconds)
        case sc.Offline(queue=keep):
            await st.go_offline(keep)
        case sc.Reconnect():
            await st.reconnect()
        case sc.Session():
            await session(st, step, pace)
        case sc.Send(action=action, payload=payload):
            await send_raw(st, action, payload, path)
        case sc.Hold():
            await hold(st, pace)
        case sc.Repeat(times=times, steps=inner):
            for k in range(times):
                await play(st, inner, pace, f"{path}.repeat[{k}]")


def _expect(st: Station, path: str, what: str, expect: str | None, got: str | None) -> None:
    # None: decided locally while offline, nothing to compare with.
    if expect is not None and got is not None and got != expect:
        st.stats.error(f"{st.id} {path}: {what} expected {expect}, got {got}")


async def session(st: Station, step: sc.Session, pace: Pace) -> None:
    """Plug in, authorise, start, charge with meter values, stop, Available."""
    n, tag = step.connector, step.id_tag or st.token
    v16 = st.protocol == "ocpp1.6"
    c = st.connector(n)
    if c.tx is not None:
        st.stats.error(f"{st.id}: connector {n} already has a transaction")
        return
    await st.set_status(n, "Preparing" if v16 else "Occupied")
    status = await st.authorize(tag)
    if status not in (None, "Accepted"):
        st.stats.sessions_refused += 1
        st.stats.error(f"{st.id}: token {tag} refused at Authorize: {status}")
        await st.set_status(n, "Available")
        return
    tx = await st.start_transaction(n, tag, c.reading_wh)
    if tx.ended.is_set():  # the CSMS refused the token at the start
        st.stats.sessions_refused += 1
        st.stats.error(f"{st.id}: token {tag} refused at the start: {tx.auth_status}")
        await st.set_status(n, "Available")
        return
    if v16:
        await st.set_status(n, "Charging")
    every = step.every_s or st.meter_interval_s
    count = max(1, int((step.charge_s or pace.charge_s) / every))
    await st.charge(c, every, count, st.cfg.power_kw if step.power_kw is None else step.power_kw)
    if tx.ended.is_set():
        return  # stopped by the CSMS, which also saw the connector freed
    await st.stop_transaction(tx, "Local")
    if v16:
        await st.set_status(n, "Finishing")
    await st.set_status(n, "Available")


async def send_raw(st: Station, action: str, payload: dict[str, Any], path: str) -> None:
    try:
        message = getattr(st.call_module, action)(**st.snake(payload))
    except TypeError as e:
        st.stats.error(f"{st.id} {path}: {action} payload does not fit the message: {e}")
        return
    await st.wait_online()
    await st.send(lambda: message, queueable=False)


async def hold(st: Station, pace: Pace) -> None:
    if pace.deadline is None:
        await st.wait_for(asyncio.Event())  # until the run is stopped
    else:
        await st.pause(pace.deadline - time.monotonic(), real=True)


# --- one event loop -------------------------------------------------------------------------


async def _life(st: Station, steps: tuple[sc.Step, ...], pace: Pace, delay: float) -> None:
    if delay > 0 and not await st.pause(delay, real=True):
        st.stats.failed += 1
        return
    st.start()
    try:
        await play(st, steps, pace)
    except StationFailed:
        pass
    finally:
        await st.finish(FINISH_GRACE_S)


async def run_stations(
    cfg: SimConfig, first_index: int = 0, stopping: asyncio.Event | None = None, *, signals: bool = False
) -> Stats:
    """Run cfg.station_ids on the running loop until each has played its steps (or a stop)."""
    stats = Stats(stations=len(cfg.station_ids))
    stopping = stopping or asyncio.Event()
    if signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
    scenario: sc.Scenario = cfg.scenario or sc.default_lifecycle(cfg.sessions, cfg.connectors)
    kind = Station16 if cfg.protocol == "ocpp1.6" else Station201
    pace = _pace(cfg)
    n = len(cfg.station_ids)
    lives = [
        _life(
            kind(sid, first_index + k, cfg, stats, stopping),
            scenario.steps_for(sid),
            pace,
            cfg.ramp_s * k / n,
        )
        for k, sid in enumerate(cfg.station_ids)
    ]
    await asyncio.gather(*lives)
    stats.interrupted = stopping.is_set()
    return stats


def _raise_fd_limit() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _run_loop(cfg: SimConfig, first_index: int) -> Stats:
    """A process of its own (the command line, a worker): its settings are the simulator's."""
    import ocpp.messages

    _raise_fd_limit()
    # Schema validation inline rather than via a thread pool hop per message (PERFORMANCE.md).
    ocpp.messages.ASYNC_VALIDATION = False
    try:
        import uvloop

        factory: Any = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(run_stations(cfg, first_index, signals=True))


# --- several processes ----------------------------------------------------------------------


def _worker(cfg: SimConfig, first_index: int, results: Queue[tuple[int, Stats | str]], slot: int) -> None:
    try:
        results.put((slot, _run_loop(cfg, first_index)))
    except BaseException as e:
        results.put((slot, f"worker {slot} failed: {e!r}"))


def split(ids: tuple[str, ...], parts: int) -> list[tuple[int, tuple[str, ...]]]:
    """Contiguous chunks as even as can be, each with the index of its first station."""
    parts = max(1, min(parts, len(ids)))
    size, extra = divmod(len(ids), parts)
    out, start = [], 0
    for k in range(parts):
        end = start + size + (1 if k < extra else 0)
        out.append((start, ids[start:end]))
        start = end
    return out


def run(cfg: SimConfig) -> tuple[Stats, float]:
    """The whole run, blocking; returns the merged figures and the elapsed wall time."""
    started = time.perf_counter()
    if cfg.processes <= 1:
        return _run_loop(cfg, 0), time.perf_counter() - started
    ctx = multiprocessing.get_context("spawn")
    results: Queue[tuple[int, Stats | str]] = ctx.Queue()
    chunks = split(cfg.station_ids, cfg.processes)
    procs = [
        ctx.Process(target=_worker, args=(cfg.with_ids(ids), first, results, k), daemon=True)
        for k, (first, ids) in enumerate(chunks)
    ]

    def forward(signum: int, _frame: Any) -> None:
        for p in procs:
            if p.pid is not None and p.is_alive():
                os.kill(p.pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for p in procs:
            p.start()
        total = Stats()
        pending = set(range(len(procs)))
        while pending:
            try:
                slot, got = results.get(timeout=1.0)
            except queue.Empty:
                for k in list(pending):
                    if procs[k].exitcode is not None:  # died without a word
                        pending.discard(k)
                        total.stations += len(chunks[k][1])
                        total.failed += len(chunks[k][1])
                        total.error(f"worker {k} exited with code {procs[k].exitcode}")
                continue
            pending.discard(slot)
            if isinstance(got, str):
                total.stations += len(chunks[slot][1])
                total.failed += len(chunks[slot][1])
                total.error(got)
            else:
                total.merge(got)
        for p in procs:
            p.join(timeout=5)
        return total, time.perf_counter() - started
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
