"""The figures a run reports: counts, errors and round-trip times per action. Mergeable, so
worker processes each keep their own and the parent adds them up at the end."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

MAX_ERROR_SAMPLES = 20
_COUNTS = (
    "stations",
    "connected",
    "booted",
    "failed",
    "sessions_started",
    "sessions_done",
    "sessions_refused",
    "calls_sent",
    "calls_received",
    "errors",
    "reconnects",
    "queued",
    "dropped",
    "energy_wh",
)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (p in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Stats:
    stations: int = 0
    connected: int = 0  # stations that opened a websocket at least once
    booted: int = 0  # stations whose BootNotification was accepted
    failed: int = 0  # stations that gave up (handshake refused, never booted, ...)
    sessions_started: int = 0
    sessions_done: int = 0
    sessions_refused: int = 0  # the CSMS rejected the token
    calls_sent: int = 0  # station -> CSMS calls sent: answered (their round trips in `rtt`) or not
    calls_received: int = 0  # CSMS -> station calls (remote commands), each answered by the station
    errors: int = 0
    reconnects: int = 0
    queued: int = 0  # messages held while offline and sent later
    dropped: int = 0  # messages lost while offline without a queue
    energy_wh: int = 0
    interrupted: bool = False
    error_samples: list[str] = field(default_factory=list)
    rtt: dict[str, array[float]] = field(default_factory=dict)

    def record_rtt(self, action: str, seconds: float) -> None:
        self.calls_sent += 1
        series = self.rtt.get(action)
        if series is None:
            series = self.rtt[action] = array("d")
        series.append(seconds)

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(message)

    @property
    def calls_answered(self) -> int:
        """Station calls the CSMS answered with a result (a CALLERROR or no answer in time is not)."""
        return sum(len(series) for series in self.rtt.values())

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.failed == 0 and self.booted == self.stations

    def merge(self, other: Stats) -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.interrupted = self.interrupted or other.interrupted
        room = MAX_ERROR_SAMPLES - len(self.error_samples)
        self.error_samples.extend(other.error_samples[:room])
        for action, series in other.rtt.items():
            self.rtt.setdefault(action, array("d")).extend(series)

    def per_action(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for action in sorted(self.rtt):
            values = sorted(self.rtt[action])
            out[action] = {
                "count": len(values),
                "p50_ms": round(percentile(values, 50) * 1000, 2),
                "p99_ms": round(percentile(values, 99) * 1000, 2),
            }
        return out

    def as_dict(self, elapsed_s: float) -> dict[str, Any]:
        return {
            "stations": self.stations,
            "connected": self.connected,
            "booted": self.booted,
            "failed": self.failed,
            "sessions_started": self.sessions_started,
            "sessions_done": self.sessions_done,
            "sessions_refused": self.sessions_refused,
            "calls_sent": self.calls_sent,
            "calls_answered": self.calls_answered,
            "calls_received": self.calls_received,
            "errors": self.errors,
            "reconnects": self.reconnects,
            "queued": self.queued,
            "dropped": self.dropped,
            "energy_wh": self.energy_wh,
            "elapsed_s": round(elapsed_s, 3),
            "calls_per_s": round(self.calls_sent / elapsed_s, 1) if elapsed_s > 0 else None,
            "interrupted": self.interrupted,
            "ok": self.ok,
            "error_samples": self.error_samples,
            "actions": self.per_action(),
        }

    def render(self, elapsed_s: float) -> str:
        d = self.as_dict(elapsed_s)
        lines = [
            f"stations   {d['connected']}/{d['stations']} connected, {d['booted']} booted, {d['failed']} failed",
            f"sessions   {d['sessions_done']} done, {d['sessions_started']} started, "
            f"{d['sessions_refused']} refused, {d['energy_wh'] / 1000:.3f} kWh",
            # Two directions, counted apart: the stations' calls and the CSMS's commands to them.
            f"calls      {d['calls_sent']} sent to the CSMS ({d['calls_per_s']}/s), {d['calls_answered']} answered, "
            f"{d['calls_sent'] - d['calls_answered']} unanswered or refused; "
            f"{d['calls_received']} received from the CSMS, all answered",
            f"problems   {d['errors']} errors, {d['reconnects']} reconnects, {d['queued']} queued, "
            f"{d['dropped']} dropped",
            f"elapsed    {d['elapsed_s']:.1f} s" + ("  (interrupted)" if d["interrupted"] else ""),
        ]
        if d["actions"]:
            width = max(len(a) for a in d["actions"])
            lines.append(f"{'action':<{width}}  {'count':>7}  {'p50 ms':>8}  {'p99 ms':>8}")
            for action, row in d["actions"].items():
                lines.append(
                    f"{action:<{width}}  {row['count']:>7}  {row['p50_ms']:>8.2f}  {row['p99_ms']:>8.2f}"
                )
        lines.extend(f"error: {e}" for e in d["error_samples"])
        return "\n".join(lines)
