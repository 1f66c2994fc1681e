"""OCPP gateway under load on PostgreSQL. Prints figures; not a test.

Targets for one server process (issue 3): 10,000 connected stations with heartbeats in under
1.5 GiB RSS; at least 3,000 validated calls/s (MeterValues-heavy) committed to PostgreSQL before each
reply, with p99 under 100 ms at 70 % of that rate; 10,000 stations reconnecting at once all booted
(BootNotification Accepted) in under 60 s.

The script drops and recreates the public schema of the bench database, migrates it, bulk-loads one
organisation, locations, stations (one EVSE and connector each) and a token per station, then:

  1. ceiling: a bare websockets + orjson echo server answers the same frames (closed loop);
  2. starts `depotshare serve` (uvicorn, PostgreSQL) pinned to one CPU, the stations' generator
     processes pinned to the other; every station connects, boots and reports its connector;
  3. holds the connections with heartbeats: connections held, RSS, heartbeat round trips;
  4. a share of the stations starts charging; closed-loop saturation at a few concurrencies gives
     the max rate; then an open loop (Poisson arrivals) at 70 % of it gives the p99 per action;
  5. restarts the server (a deploy) and lets every station reconnect and boot at once;
  6. times the stages of a MeterValues in the gateway's own code, in-process (CPU per message).

    python bench/ocpp_load.py [--stations 10000] [--rate CALLS_PER_S] [--duration 60] [--quick]

See bench/README.md (section "ocpp_load.py").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine.url import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocpp_loadgen as lg  # a sibling module: bench/ is not a package

DEFAULT_URL = os.environ.get(
    "DEPOTSHARE_BENCH_OCPP_DATABASE_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test_ocpp_bench"
)
HOST = "127.0.0.1"
STATION_PREFIX = "BENCH-"
STATIONS_PER_LOCATION = 50
STATION_PASSWORD = "bench-station-password"  # with --passwords: one argon2 hash shared by all
RSS_TARGET = 1.5 * 2**30
RATE_TARGET = 3000.0
P99_TARGET_MS = 100.0
STORM_TARGET_S = 60.0
SECRET = "ocpp-bench-secret-key-that-is-long-enough-for-hs256"
CLK_TCK = os.sysconf("SC_CLK_TCK")

Records = list[tuple[Any, ...]]


# ---------------------------------------------------------------- data


def check_bench_database(url: str) -> None:
    name = make_url(url).database or ""
    if make_url(url).get_backend_name() != "postgresql" or "bench" not in name:
        raise SystemExit(f"refusing to drop the schema of {name!r}: use a PostgreSQL database named *bench*")


def station_id(i: int) -> str:
    return f"{STATION_PREFIX}{i:05d}"


def token_uid(i: int) -> str:
    """A 7-byte RFID uid, canonical (upper-case hex), distinct per station."""
    return f"04{(i * 2_654_435_761) % 2**48:012X}"


async def load(url: str, stations: int, passwords: bool) -> dict[str, float]:
    """Schema, migrations, then COPY: one organisation, locations, stations, EVSEs, connectors, tokens."""
    from depotshare.config import Settings
    from depotshare.services.orgs import security
    from depotshare.services.runtime import Runtime

    runtime = Runtime(Settings(database_url=url, secret_key=SECRET))
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        async with runtime.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await runtime.migrate()
        t1 = time.perf_counter()
        now = datetime.now(UTC)
        pw_hash = security.hash_password(STATION_PASSWORD) if passwords else None
        n_loc = (stations + STATIONS_PER_LOCATION - 1) // STATIONS_PER_LOCATION
        tables: list[tuple[str, list[str], Records]] = [
            ("organisations", ["id", "key", "name", "parent_id", "path", "depth", "created_at"],
             [(1, "bench-fleet", "Bench Fleet", None, "/1/", 0, now)]),
            ("locations", ["id", "org_id", "key", "name", "timezone", "publish", "is_home", "created_at"],
             [(k, 1, f"depot-{k}", f"Depot {k}", "Europe/Berlin", False, False, now) for k in range(1, n_loc + 1)]),
            ("charging_stations",
             ["id", "location_id", "ocpp_id", "password_hash", "registration_status", "connected", "created_at"],
             [(i, (i - 1) // STATIONS_PER_LOCATION + 1, station_id(i), pw_hash, "accepted", False, now)
              for i in range(1, stations + 1)]),
            ("evses", ["id", "station_id", "evse_id"], [(i, i, 1) for i in range(1, stations + 1)]),
            ("connectors", ["id", "evse_pk", "connector_id", "standard", "max_kw"],
             [(i, i, 1, "IEC_62196_T2", 22) for i in range(1, stations + 1)]),
            ("tokens", ["id", "org_id", "uid", "type", "status", "label", "created_at"],
             [(i, 1, token_uid(i), "RFID", "active", f"Card {i}", now) for i in range(1, stations + 1)]),
        ]  # fmt: skip
        t2 = time.perf_counter()
        async with runtime.engine.connect() as conn:
            pg = (await conn.get_raw_connection()).driver_connection
            assert pg is not None
            for table, columns, records in tables:
                await pg.copy_records_to_table(table, records=records, columns=columns)
                await pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            await pg.execute("VACUUM (ANALYZE)")
        t3 = time.perf_counter()
        timings = {"migrate": t1 - t0, "generate": t2 - t1, "copy": t3 - t2}
    finally:
        await runtime.close()
    return timings


async def table_counts(url: str) -> dict[str, int]:
    from depotshare.config import Settings
    from depotshare.services.runtime import Runtime

    runtime = Runtime(Settings(database_url=url, secret_key=SECRET))
    out: dict[str, int] = {}
    try:
        async with runtime.engine.connect() as conn:
            for table in ("charging_sessions", "meter_values", "station_events", "status_events"):
                out[table] = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            out["connected"] = (
                await conn.execute(text("SELECT count(*) FROM charging_stations WHERE connected"))
            ).scalar_one()
    finally:
        await runtime.close()
    return out


# ---------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    return 0.0


def status_kib(pid: int, key: str) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backends serving `database` (their command line names it)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() != "postgres":
                    continue
                words = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").split()
                if database.encode() in words:
                    out.append(int(entry))
    return out


def cpu_times() -> dict[str, float]:
    """Busy CPU seconds since boot from /proc/stat: all CPUs, each CPU, and interrupt handling
    (loopback networking runs largely in softirq, which no process is charged for)."""
    out: dict[str, float] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if not line.startswith("cpu"):
            break
        name, *parts = line.split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in parts[:8])
        out["machine" if name == "cpu" else name] = (user + nice + system + irq + softirq + steal) / CLK_TCK
        if name == "cpu":
            out["irq"] = (irq + softirq) / CLK_TCK
    return out


@dataclass
class Watch:
    """CPU and memory of the processes under test over one phase. PostgreSQL counts the backends
    of the bench database (sampled, so a backend that comes and goes between samples is missed)."""

    server: int
    generators: list[int]
    database: str
    t0: float = 0.0
    cpu0: dict[str, float] = field(default_factory=dict)
    pg0: dict[int, float] = field(default_factory=dict)
    pg_used: float = 0.0
    peak_rss_kib: int = 0

    def _cpu(self) -> dict[str, float]:
        return {
            "server": cpu_seconds(self.server),
            "generators": sum(cpu_seconds(p) for p in self.generators),
            "bench": cpu_seconds(os.getpid()),
            **cpu_times(),
        }

    def _pg(self) -> None:
        now = {p: cpu_seconds(p) for p in postgres_backends(self.database)}
        self.pg_used += sum(max(0.0, t - self.pg0.get(p, 0.0)) for p, t in now.items())
        self.pg0 = now

    def start(self) -> Watch:
        self.t0, self.cpu0, self.peak_rss_kib, self.pg_used = time.monotonic(), self._cpu(), 0, 0.0
        self.pg0 = {p: cpu_seconds(p) for p in postgres_backends(self.database)}
        self.sample()
        return self

    def sample(self) -> None:
        self.peak_rss_kib = max(self.peak_rss_kib, status_kib(self.server, "VmRSS"))
        self._pg()

    def stop(self) -> dict[str, float]:
        """CPU % of one CPU per party over the phase, RSS now and at peak (MiB)."""
        self.sample()
        wall = max(time.monotonic() - self.t0, 1e-6)
        now = self._cpu()
        pct = {k: 100 * (now[k] - self.cpu0.get(k, 0.0)) / wall for k in now}
        pct["postgres"] = 100 * self.pg_used / wall
        ours = pct["server"] + pct["generators"] + pct["postgres"] + pct["bench"] + pct["irq"]
        pct["other"] = pct["machine"] - ours
        pct["rss_mib"] = status_kib(self.server, "VmRSS") / 1024
        pct["peak_rss_mib"] = self.peak_rss_kib / 1024
        pct["hwm_mib"] = status_kib(self.server, "VmHWM") / 1024
        pct["wall"] = wall
        return pct


def cpu_line(w: dict[str, float]) -> str:
    per_cpu = ", ".join(
        f"{k[3:]}: {v:.0f}" for k, v in sorted(w.items()) if k[:3] == "cpu" and k[3:].isdigit()
    )
    line = (
        f"CPU (% of one vCPU) server {w['server']:.0f}, PostgreSQL {w['postgres']:.0f}, "
        f"generators {w['generators']:.0f}, interrupts {w['irq']:.0f}, other processes {max(w['other'], 0):.0f}"
        f"; busy per CPU {per_cpu}"
    )
    if w["other"] > 25:
        line += "\n  WARNING: other processes competed for the CPUs: these figures are pessimistic"
    return line


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Gen:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    pid: int = 0


def start_generators(
    ids: Sequence[str], tokens: Sequence[str], port: int, n: int, cpus: set[int] | None, password: str | None
) -> list[Gen]:
    ctx = multiprocessing.get_context("spawn")
    gens = []
    size, extra = divmod(len(ids), n)
    start = 0
    for k in range(n):
        end = start + size + (1 if k < extra else 0)
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=lg.generator_main,
            args=(
                child,
                cpus,
                HOST,
                port,
                "/ocpp",
                list(ids[start:end]),
                list(tokens[start:end]),
                start,
                password,
            ),
            daemon=True,
        )
        proc.start()
        gens.append(Gen(proc, parent))
        start = end
    for g in gens:
        if not g.conn.poll(60):
            raise RuntimeError("a generator did not start")
        _, g.pid = g.conn.recv()
    return gens


def stop_generators(gens: list[Gen]) -> None:
    for g in gens:
        with contextlib.suppress(OSError):
            g.conn.send(("quit", {}))
    for g in gens:
        g.process.join(timeout=10)
        if g.process.is_alive():
            g.process.terminate()
            g.process.join(timeout=5)


def command(
    gens: list[Gen],
    name: str,
    timeout: float,
    watch: Watch | None = None,
    server: subprocess.Popen[bytes] | None = None,
    per_gen: Sequence[dict[str, Any]] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """Send one command to every generator and gather their answers (bounded by `timeout`)."""
    for k, g in enumerate(gens):
        g.conn.send((name, {**kwargs, **(per_gen[k] if per_gen else {})}))
    results: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while len(results) < len(gens):
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"{name}: generators did not answer within {timeout:.0f} s")
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"{name}: the server exited with code {server.returncode}")
        ready = wait([g.conn for k, g in enumerate(gens) if k not in results], timeout=min(left, 0.5))
        for conn in ready:
            k = next(i for i, g in enumerate(gens) if g.conn is conn)
            _, result = conn.recv()  # type: ignore[union-attr]
            if "failed" in result:
                raise RuntimeError(f"generator {k}: {result['failed']}")
            results[k] = result
        if watch is not None:
            watch.sample()
    return [results[k] for k in range(len(gens))]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_s: float  # from spawn to /healthz answering


def start_server(args: argparse.Namespace, port: int, workdir: Path, n: int) -> Server:
    """`depotshare serve` from args.server_src, pinned to args.server_cpu (taskset)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DEPOTSHARE_") and k not in ("PYTHONPATH",)
    }
    env.update(
        DEPOTSHARE_DATABASE_URL=args.url,
        DEPOTSHARE_SECRET_KEY=SECRET,
        DEPOTSHARE_HEARTBEAT_INTERVAL_S=str(args.heartbeat),
        PYTHONPATH=str(args.server_src),
    )
    cmd = [
        sys.executable,
        "-m",
        "depotshare.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-migrate",
    ]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(args.server_cpu), *cmd]
    log = workdir / f"server-{n}.log"
    t0 = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    if not shutil.which("taskset"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(proc.pid, {args.server_cpu})
    while not healthy(port):
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}; see {log}")
        if time.monotonic() - t0 > 60:
            proc.kill()
            raise RuntimeError(f"the server did not answer /healthz within 60 s; see {log}")
        time.sleep(0.1)
    return Server(proc, port, log, time.monotonic() - t0)


def stop_server(server: Server, timeout: float) -> float:
    """SIGTERM (uvicorn closes every websocket and finishes), SIGKILL after `timeout`."""
    t0 = time.monotonic()
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)
    return time.monotonic() - t0


# ---------------------------------------------------------------- figures


def merged(results: Sequence[dict[str, Any]]) -> tuple[dict[str, list[float]], dict[str, int], list[str]]:
    rtt: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    samples: list[str] = []
    for r in results:
        b = r["bucket"]
        for action, raw in b["rtt"].items():
            series = array("d")
            series.frombytes(raw)
            rtt.setdefault(action, []).extend(series)
        for action, n in b["errors"].items():
            errors[action] = errors.get(action, 0) + n
        samples += b["samples"]
    for series in rtt.values():
        series.sort()
    return rtt, errors, samples[:8]


def stalls(results: Sequence[dict[str, Any]], threshold: float = 0.25) -> str:
    """Seconds in which some call took longer than `threshold`: pauses show up as such seconds."""
    slowest: dict[int, float] = {}
    for r in results:
        for second, rtt in r["bucket"]["slowest"].items():
            slowest[second] = max(rtt, slowest.get(second, 0.0))
    if not slowest:
        return "no calls"
    t0 = min(slowest)
    bad = sorted((s for s, v in slowest.items() if v > threshold), key=lambda s: -slowest[s])
    worst = ", ".join(f"{slowest[s]:.2f} s at +{s - t0} s" for s in sorted(bad[:6]))
    return f"{len(bad)} of {len(slowest)} seconds had a call slower than {threshold * 1e3:.0f} ms" + (
        f" (slowest: {worst})" if bad else ""
    )


def pct(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, int(q * len(sorted_values) + 0.999999) - 1))]


def action_table(rtt: dict[str, list[float]], errors: dict[str, int], window: float | None) -> list[str]:
    actions = sorted(set(rtt) | set(errors), key=lambda a: -len(rtt.get(a, [])))
    lines = [
        f"    {'action':<20} {'count':>8} {'calls/s':>8} {'p50 ms':>8} {'p90 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}"
    ]
    total: list[float] = []
    for a in actions:
        s = rtt.get(a, [])
        total += s
        rate = f"{len(s) / window:8.0f}" if window else f"{'':>8}"
        lines.append(
            f"    {a:<20} {len(s):>8} {rate} {pct(s, 0.5) * 1e3:8.1f} {pct(s, 0.9) * 1e3:8.1f} "
            f"{pct(s, 0.99) * 1e3:8.1f} {(s[-1] if s else float('nan')) * 1e3:8.1f} {errors.get(a, 0):>7}"
        )
    if len(actions) > 1:
        total.sort()
        calls = [x for a, s in rtt.items() if a != lg.HANDSHAKE for x in s]
        calls.sort()
        rate = f"{len(calls) / window:8.0f}" if window else f"{'':>8}"
        lines.append(
            f"    {'all calls':<20} {len(calls):>8} {rate} {pct(calls, 0.5) * 1e3:8.1f} "
            f"{pct(calls, 0.9) * 1e3:8.1f} {pct(calls, 0.99) * 1e3:8.1f} "
            f"{(calls[-1] if calls else float('nan')) * 1e3:8.1f} {sum(errors.values()):>7}"
        )
    return lines


def cpu_per_call(w: dict[str, float], rate: float) -> float:
    """Server CPU milliseconds per answered call (CPU % of one vCPU over calls/s)."""
    return 10 * w["server"] / rate if rate > 0 else float("nan")


def calls_in(rtt: dict[str, list[float]]) -> int:
    return sum(len(s) for a, s in rtt.items() if a != lg.HANDSHAKE)


def p99_all(rtt: dict[str, list[float]]) -> float:
    calls = sorted(x for a, s in rtt.items() if a != lg.HANDSHAKE for x in s)
    return pct(calls, 0.99) * 1e3


def say(line: str = "") -> None:
    print(line, flush=True)


def code_version(src: Path) -> str:
    git = ["git", "-C", str(src)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "depotshare"], capture_output=True, text=True
        )
    except OSError:
        return str(src)
    if commit.returncode:
        marker = src / "COMMIT"  # e.g. a `git archive` of a commit, with its hash written beside it
        return (
            f"{src} (commit {marker.read_text().strip()})"
            if marker.exists()
            else f"{src} (not a git checkout)"
        )
    return f"{src} @ {commit.stdout.strip()}{' + uncommitted changes' if dirty.stdout.strip() else ''}"


# ---------------------------------------------------------------- phases


@dataclass
class Verdicts:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, target: str, figure: str, ok: bool | None) -> None:
        self.rows.append((target, figure, "PASS" if ok else ("n/a" if ok is None else "MISS")))


def phase_ceiling(args: argparse.Namespace, load_cpus: set[int], verdicts: Verdicts) -> float:
    say(f"\n== ceiling: bare websockets + orjson echo server on CPU {args.server_cpu} ==")
    ctx = multiprocessing.get_context("spawn")
    port = free_port()
    parent, child = ctx.Pipe()
    echo = ctx.Process(target=lg.echo_main, args=(port, {args.server_cpu}, child), daemon=True)
    echo.start()
    if not parent.poll(30):
        raise RuntimeError("the echo server did not start")
    parent.recv()
    n = args.ceiling_connections
    ids = [f"ECHO-{i:05d}" for i in range(1, n + 1)]
    gens = start_generators(
        ids, [token_uid(i) for i in range(1, n + 1)], port, args.generators, load_cpus, None
    )
    try:
        command(gens, "connect", 120, deadline_s=60, cap=64)
        assert echo.pid is not None
        watch = Watch(echo.pid, [g.pid for g in gens], args.database).start()
        per = [{"concurrency": len(ids)} for _ in gens]
        res = command(
            gens, "saturate", args.ceiling + args.warmup + 60, watch, per_gen=per,
            seconds=args.ceiling, warmup=min(args.warmup, 3), charging=0, echo=True,
        )  # fmt: skip
        w = watch.stop()
    finally:
        stop_generators(gens)
        if echo.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(echo.pid, signal.SIGTERM)
        echo.join(10)
    rtt, errors, _ = merged(res)
    window = max(r["window"] for r in res)
    rate = calls_in(rtt) / window
    say(f"  {n} connections, closed loop, {window:.1f} s: {rate:,.0f} calls/s")
    for line in action_table(rtt, errors, window):
        say(line)
    say("  " + cpu_line(w))
    if w["generators"] > 90:
        say("  (the generators used a whole vCPU: the ceiling may be theirs rather than the server's)")
    verdicts.add(
        "ceiling: bare websockets + orjson", f"{rate:,.0f} calls/s (echo {w['server']:.0f} % CPU)", None
    )
    return rate


def phase_breakdown(args: argparse.Namespace) -> None:
    """Per-message CPU by stage, measured in this process on the server's (now idle) CPU."""
    import ocpp_breakdown

    n = 100 if args.quick else 300
    say(
        f"\n== where a message's CPU goes (gateway code in this process on CPU {args.server_cpu}, {n} each) =="
    )
    lg.pin({args.server_cpu})
    try:
        rows = ocpp_breakdown.run_breakdown(
            args.url, SECRET, station_id(args.stations), token_uid(args.stations), n
        )
    finally:
        lg.pin({args.load_cpu})
    say(f"    {'':<58} {'CPU us':>8} {'wall us':>8}")
    for label, cpu_us, wall_us in rows:
        say(f"    {label:<58} {cpu_us:8.0f} {wall_us:8.0f}")


@dataclass
class Bench:
    """The run in progress: options, the server, the generators, the verdicts so far."""

    args: argparse.Namespace
    workdir: Path
    port: int
    server: Server
    gens: list[Gen] = field(default_factory=list)
    verdicts: Verdicts = field(default_factory=Verdicts)
    charging: list[int] = field(default_factory=list)  # stations in a session, per generator

    def run(
        self, name: str, timeout: float, per_gen: Sequence[dict[str, Any]] | None = None, **kwargs: Any
    ) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """One command to every generator, with the server's and the machine's CPU over it."""
        watch = Watch(self.server.process.pid, [g.pid for g in self.gens], self.args.database).start()
        res = command(self.gens, name, timeout, watch, self.server.process, per_gen, **kwargs)
        return res, watch.stop()


def report(res: Sequence[dict[str, Any]], window: float | None) -> dict[str, list[float]]:
    rtt, errors, samples = merged(res)
    for line in action_table(rtt, errors, window):
        say(line)
    for s in samples:
        say(f"  error: {s}")
    return rtt


def phase_connect(b: Bench) -> None:
    a = b.args
    say(
        f"\n== connect: {a.stations:,} stations connect, boot and report connector 1 "
        f"(<= {a.connect_cap} handshakes in flight per generator) =="
    )
    rss_idle = status_kib(b.server.process.pid, "VmRSS") / 1024
    res, w = b.run("connect", a.connect_timeout + 60, deadline_s=a.connect_timeout, cap=a.connect_cap)
    booted = sum(r["booted"] for r in res)
    took = max(r["ended"] for r in res) - min(r["started"] for r in res)
    say(
        f"  {booted:,}/{a.stations:,} booted in {took:.1f} s ({booted / took:,.0f} stations/s), "
        f"{sum(r['retries'] for r in res)} retries"
    )
    report(res, None)
    say("  " + cpu_line(w) + f"; RSS {rss_idle:.0f} MiB idle -> {w['rss_mib']:.0f} MiB")


def phase_hold(b: Bench) -> None:
    a = b.args
    say(f"\n== hold: {a.hold:.0f} s with heartbeats every {a.heartbeat} s ==")
    res, w = b.run("measure", a.hold + 60, seconds=a.hold)
    held = sum(r["open"] for r in res)
    say(
        f"  connections held: {held:,} (stations' side); the server process has "
        f"{open_fds(b.server.process.pid):,} open fds"
    )
    rtt = report(res, w["wall"])
    say(f"  {stalls(res)}")
    say("  " + cpu_line(w))
    say(
        f"  server RSS {w['rss_mib']:.0f} MiB (peak sampled {w['peak_rss_mib']:.0f} MiB, VmHWM "
        f"{w['hwm_mib']:.0f} MiB); {w['rss_mib'] * 1024 / max(held, 1):.0f} KiB per connection incl. "
        "the idle process"
    )
    hb = rtt.get("Heartbeat", [])
    b.verdicts.add(
        f"{a.stations:,} connected with heartbeats, RSS < 1.5 GiB",
        f"{held:,} held, RSS {w['hwm_mib']:.0f} MiB peak; heartbeat p50 {pct(hb, 0.5) * 1e3:.1f} / "
        f"p99 {pct(hb, 0.99) * 1e3:.1f} ms",
        held == a.stations and w["hwm_mib"] * 2**20 < RSS_TARGET,
    )


def phase_charge(b: Bench) -> None:
    total = max(1, round(b.args.stations * b.args.charging))
    n = len(b.gens)
    b.charging = [total // n + (1 if k < total % n else 0) for k in range(n)]
    say(f"\n== charging: {total:,} stations plug in, Authorize, StartTransaction, Charging ==")
    res, _ = b.run("charge", 300, per_gen=[{"count": c} for c in b.charging])
    seconds = max(r["seconds"] for r in res)
    say(f"  {sum(r['charging'] for r in res):,} transactions open after {seconds:.1f} s")
    report(res, None)


def phase_saturate(b: Bench) -> float:
    """Closed loop at each concurrency; returns the best rate."""
    a = b.args
    best, best_c = 0.0, 0
    for c in a.concurrency if a.saturate > 0 else []:
        per = [{"concurrency": max(1, c // len(b.gens)), "charging": share} for share in b.charging]
        say(
            f"\n== saturation: closed loop, {c} stations sending back to back, {a.saturate:.0f} s after "
            f"{a.warmup:.0f} s warm-up (the others' heartbeats go on) =="
        )
        res, w = b.run("saturate", a.saturate + a.warmup + 90, per, seconds=a.saturate, warmup=a.warmup)
        window = max(r["window"] for r in res)
        rtt, _, _ = merged(res)
        rate = calls_in(rtt) / window
        say(
            f"  {rate:,.0f} calls/s answered ({len(rtt.get('MeterValues', [])) / window:,.0f} MeterValues/s); "
            f"server CPU {cpu_per_call(w, rate):.2f} ms per call -> at most "
            f"{1000 / cpu_per_call(w, rate):,.0f} calls/s on a whole vCPU"
        )
        report(res, window)
        say("  " + cpu_line(w) + f"; RSS {w['rss_mib']:.0f} MiB")
        if rate > best:
            best, best_c = rate, c
    if best:
        b.verdicts.add(
            ">= 3,000 validated calls/s committed",
            f"max {best:,.0f} calls/s (closed loop, {best_c} stations)",
            best >= RATE_TARGET,
        )
    return best


def phase_open(b: Bench, best: float) -> None:
    a = b.args
    heartbeats = a.stations / a.heartbeat
    total = a.rate or 0.7 * best
    driven = max(total - heartbeats, 1.0)
    say(
        f"\n== open loop: {total:,.0f} calls/s ({'--rate' if a.rate else '70 % of the max'}; "
        f"{driven:,.0f}/s driven, Poisson, + ~{heartbeats:,.0f}/s heartbeats), {a.duration:.0f} s after "
        f"{a.warmup:.0f} s warm-up; round trips from the time each call was due =="
    )
    per = [{"rate": driven * share / sum(b.charging), "charging": share} for share in b.charging]
    res, w = b.run("open", a.duration + a.warmup + 120, per, seconds=a.duration, warmup=a.warmup, drain=60.0)
    rtt, _, _ = merged(res)
    unfinished = sum(r["unfinished"] for r in res)
    achieved = calls_in(rtt) / a.duration
    say(
        f"  {achieved:,.0f} calls/s answered (server CPU {cpu_per_call(w, achieved):.2f} ms per call); "
        f"{sum(r['scheduled'] for r in res):,} driven calls due in the window, {unfinished} unanswered; "
        f"scheduler lag {max(r['scheduler_lag'] for r in res) * 1e3:.0f} ms"
    )
    report(res, a.duration)
    say(f"  {stalls(res)}")
    say("  " + cpu_line(w) + f"; RSS {w['rss_mib']:.0f} MiB (peak {w['peak_rss_mib']:.0f})")
    mv = rtt.get("MeterValues", [])
    p99, mv_p99 = p99_all(rtt), pct(mv, 0.99) * 1e3
    b.verdicts.add(
        "p99 < 100 ms at 70 % of the max",
        f"{achieved:,.0f} calls/s: p99 {p99:.1f} ms all calls, MeterValues p50 {pct(mv, 0.5) * 1e3:.1f} / "
        f"p99 {mv_p99:.1f} ms",
        max(p99, mv_p99) < P99_TARGET_MS and not unfinished,
    )
    counts = asyncio.run(table_counts(a.url))
    say(
        f"  in the database now: {counts['charging_sessions']:,} sessions, {counts['meter_values']:,} meter "
        f"values, {counts['station_events']:,} station events, {counts['status_events']:,} status events"
    )


def phase_storm(b: Bench) -> None:
    """A deploy: SIGTERM (uvicorn closes every websocket), a new process, every station at once."""
    a = b.args
    say(
        f"\n== reconnect storm: the server restarts (a deploy); all {a.stations:,} stations reconnect at once =="
    )
    for g in b.gens:
        g.conn.send(("drop", {"close": False, "within": 120.0}))
    down = stop_server(b.server, 120)
    closed = [g.conn.recv() for g in b.gens if g.conn.poll(130)]
    say(
        f"  old server stopped in {down:.1f} s (SIGTERM: it closed {a.stations:,} websockets and recorded "
        f"the disconnects); {len(closed)} generators saw their connections close"
    )
    b.server = start_server(a, b.port, b.workdir, 2)
    say(f"  new server (pid {b.server.process.pid}) answers /healthz after {b.server.started_s:.1f} s")
    t_go = time.time() + 0.3
    res, w = b.run("connect", a.storm_timeout + 60, deadline_s=a.storm_timeout, cap=0, t_go=t_go)
    booted = sum(r["booted"] for r in res)
    times = sorted(x - t_go for r in res for x in array("d", r["boot_times"]))
    last = times[-1] if times else float("nan")
    say(
        f"  {booted:,}/{a.stations:,} booted (Accepted); the last {last:.1f} s after the go (half by "
        f"{pct(times, 0.5):.1f} s, 99 % by {pct(times, 0.99):.1f} s); {sum(r['retries'] for r in res)} retries"
    )
    report(res, None)
    say("  " + cpu_line(w) + f"; RSS {w['rss_mib']:.0f} MiB after the storm")
    b.verdicts.add(
        f"{a.stations:,} reconnect at once, all booted < 60 s",
        f"{booted:,} booted, the last after {last:.1f} s",
        booted == a.stations and last < STORM_TARGET_S,
    )


def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ocpp_load_"))
    verdicts = Verdicts()
    say(
        f"ocpp_load: {args.stations:,} stations, {args.generators} generator processes on CPU "
        f"{args.load_cpu}, server on CPU {args.server_cpu}; fd limit {lg.raise_fd_limit():,}; logs in {workdir}"
    )
    url = make_url(args.url).render_as_string(hide_password=True)
    say(f"database {url}; server code {code_version(args.server_src)}")
    t = asyncio.run(load(args.url, args.stations, args.passwords))
    say(
        f"load: schema+migrate {t['migrate']:.1f} s, generate {t['generate']:.1f} s, COPY+VACUUM "
        f"{t['copy']:.1f} s (1 organisation, {-(-args.stations // STATIONS_PER_LOCATION)} locations, "
        f"{args.stations:,} stations{' with one shared argon2 password hash' if args.passwords else ''}, "
        f"{args.stations:,} EVSEs/connectors, {args.stations:,} tokens)"
    )
    lg.pin({args.load_cpu})  # from here on this process stays off the server's CPU
    if args.ceiling > 0:
        phase_ceiling(args, {args.load_cpu}, verdicts)

    port = free_port()
    b = Bench(args, workdir, port, start_server(args, port, workdir, 1), verdicts=verdicts)
    try:
        say(
            f"\n== server: depotshare serve (pid {b.server.process.pid}), up in {b.server.started_s:.1f} s =="
        )
        ids = [station_id(i) for i in range(1, args.stations + 1)]
        tokens = [token_uid(i) for i in range(1, args.stations + 1)]
        password = STATION_PASSWORD if args.passwords else None
        b.gens = start_generators(ids, tokens, port, args.generators, {args.load_cpu}, password)
        phase_connect(b)
        phase_hold(b)
        phase_charge(b)
        best = phase_saturate(b)
        phase_open(b, best)
        if args.storm:
            phase_storm(b)
    finally:
        stop_generators(b.gens)
        stop_server(b.server, 60)
    if args.breakdown:
        phase_breakdown(args)
    tracebacks = sum(
        1 for line in b.server.log.read_text(errors="replace").splitlines() if "Traceback" in line
    )
    say(f"\nserver logs: {workdir} ({tracebacks} tracebacks in the last one)")
    say(f"\n== summary ({args.stations:,} stations, one server process on one vCPU) ==")
    width = max(len(r[0]) for r in verdicts.rows)
    for target, figure, verdict in verdicts.rows:
        say(f"  {target:<{width}}  {verdict:<4}  {figure}")


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--url", default=DEFAULT_URL, help="PostgreSQL database to wipe and fill (name must contain 'bench')"
    )
    p.add_argument("--stations", type=int, default=None, help="stations (default 10,000; --quick 500)")
    p.add_argument("--quick", action="store_true", help="500 stations and short phases (under 2 minutes)")
    p.add_argument(
        "--rate", type=float, default=0.0, help="open-loop total calls/s (default: 70 %% of the measured max)"
    )
    p.add_argument("--duration", type=float, default=None, help="open-loop seconds (default 60; --quick 15)")
    p.add_argument(
        "--hold", type=float, default=None, help="seconds to hold the connections (default 60; --quick 10)"
    )
    p.add_argument(
        "--saturate", type=float, default=None, help="seconds per closed-loop level (default 20; --quick 8)"
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="untimed seconds before each measured window (5; --quick 2)",
    )
    p.add_argument(
        "--concurrency", default="32,128", help="closed-loop levels: stations sending back to back"
    )
    p.add_argument(
        "--charging", type=float, default=0.3, help="share of stations in a session (drive the load)"
    )
    p.add_argument(
        "--heartbeat", type=int, default=60, help="heartbeat interval the server hands out (s, >= 10)"
    )
    p.add_argument(
        "--ceiling", type=float, default=None, help="seconds of the echo ceiling (0: skip; default 10)"
    )
    p.add_argument("--ceiling-connections", type=int, default=256)
    p.add_argument("--generators", type=int, default=2, help="load generator processes")
    p.add_argument(
        "--connect-cap", type=int, default=200, help="handshakes in flight per generator at the first connect"
    )
    p.add_argument("--connect-timeout", type=float, default=300.0)
    p.add_argument(
        "--storm-timeout", type=float, default=180.0, help="how long stations keep retrying in the storm"
    )
    p.add_argument("--no-storm", dest="storm", action="store_false")
    p.add_argument(
        "--no-breakdown", dest="breakdown", action="store_false", help="skip the per-stage CPU figures"
    )
    p.add_argument(
        "--passwords", action="store_true", help="stations use HTTP Basic auth (one shared argon2 hash)"
    )
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--load-cpu", type=int, default=1)
    p.add_argument("--server-src", type=Path, default=Path(__file__).resolve().parent.parent,
                   help="directory holding the depotshare package to serve (default: this checkout)")  # fmt: skip
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {"stations": (10_000, 500), "duration": (60.0, 15.0), "hold": (60.0, 10.0),
                "saturate": (20.0, 8.0), "warmup": (5.0, 2.0), "ceiling": (10.0, 5.0)}  # fmt: skip
    for name, (full, short) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, short if quick else full)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if args.stations < args.generators or args.heartbeat < 10 or not args.concurrency:
        p.error("need at least one station per generator, --heartbeat >= 10 and a --concurrency level")
    if args.saturate <= 0 and not args.rate:
        p.error("--saturate 0 (no closed loop) needs --rate")
    if not (args.server_src / "depotshare" / "__init__.py").exists():
        p.error(f"--server-src: no depotshare package in {args.server_src}")
    args.server_src = args.server_src.resolve()
    args.database = make_url(args.url).database or ""
    return args


def main() -> None:
    args = parse_args()
    check_bench_database(args.url)
    sys.path.insert(0, str(args.server_src))  # load and migrate with the code that is served
    random.seed(2026)
    t0 = time.monotonic()
    run(args)
    say(f"\ntotal {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
