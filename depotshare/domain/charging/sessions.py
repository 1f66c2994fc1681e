"""Session anomalies: what keeps a session out of billing until someone has looked at it.
A flagged session is never silently billed; the flags say why."""

from __future__ import annotations

import enum


class SessionState(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ORPHAN = "orphan"  # a stop for a transaction we never saw start


class Flag(enum.StrEnum):
    UNAUTHORISED = "unauthorised"  # started with a token the access rules rejected
    ORPHAN = "orphan"
    STOP_BELOW_START = "stop_below_start"  # meter at stop lower than at start
    METER_BACKWARDS = "meter_backwards"  # a reading lower than an earlier one
    MISSING_STOP = "missing_stop"  # never stopped; closed by us
    CLOSED_ON_REBOOT = "closed_on_reboot"  # the station rebooted with the session open
    NO_METER_STOP = "no_meter_stop"  # stopped without a final reading


def energy_wh(meter_start_wh: int | None, meter_stop_wh: int | None) -> int | None:
    """Energy of a session; None when it cannot be known honestly (missing or decreasing meter)."""
    if meter_start_wh is None or meter_stop_wh is None or meter_stop_wh < meter_start_wh:
        return None
    return meter_stop_wh - meter_start_wh


def stop_flags(meter_start_wh: int | None, meter_stop_wh: int | None) -> set[Flag]:
    if meter_stop_wh is None:
        return {Flag.NO_METER_STOP}
    if meter_start_wh is not None and meter_stop_wh < meter_start_wh:
        return {Flag.STOP_BELOW_START}
    return set()


def reading_flags(previous_wh: int | None, reading_wh: int) -> set[Flag]:
    """A register reading lower than the last one seen for the same session."""
    if previous_wh is not None and reading_wh < previous_wh:
        return {Flag.METER_BACKWARDS}
    return set()


def with_flags(existing: list[str], added: set[Flag]) -> list[str]:
    """Flags in a stable order, each once."""
    merged = set(existing) | {f.value for f in added}
    return [f.value for f in Flag if f.value in merged]
