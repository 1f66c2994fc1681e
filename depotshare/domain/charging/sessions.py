"""The charging session, one transaction as a station reports it over OCPP 1.6 or 2.0.1: started
with its attribution frozen, fed register readings in any order and any number of times, stopped,
reopened by the real stop after we closed it on a reboot. Its meters, energy and flags follow from
what it was told; a flagged session is never silently billed, the flags say why."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from depotshare.domain.charging.attribution import Attribution
from depotshare.domain.charging.meter import TRANSACTION_BEGIN, TRANSACTION_END, Reading

# Stations on these protocols report a transaction's start and final meter themselves (1.6
# meterStart and meterStop). On the others (2.0.1) both are read from the register readings.
METERS_REPORTED = frozenset({"ocpp1.6"})
REBOOT_REASON = "Reboot"


class SessionState(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ORPHAN = "orphan"  # ended, but its start never came


class Flag(enum.StrEnum):
    UNAUTHORISED = "unauthorised"  # started with a token the access rules rejected
    ORPHAN = "orphan"  # its start is unknown: a stop or event for a transaction we never saw start
    STOP_BELOW_START = "stop_below_start"  # meter at stop lower than at start
    METER_BACKWARDS = "meter_backwards"  # a reading lower than an earlier one
    MISSING_STOP = "missing_stop"  # never stopped; closed by us
    CLOSED_ON_REBOOT = "closed_on_reboot"  # the station rebooted with the session open
    NO_METER_STOP = "no_meter_stop"  # stopped without a final reading


# What the start and final meters alone say: worked out again whenever either changes.
_METER_FLAGS = frozenset({Flag.STOP_BELOW_START, Flag.NO_METER_STOP})


@dataclass(frozen=True)
class Answer:
    """What the station was answered for the token it named at the start (a retry gets it again)."""

    status: str
    reason: str
    expires_at: datetime | None = None
    group: str | None = None


@dataclass(frozen=True)
class Stop:
    at: datetime  # the station's time
    meter_wh: int | None  # the final meter
    reason: str | None


@dataclass(frozen=True)
class ChargingSession:
    """A session's facts. `readings` are its register readings: all of them when
    `readings_complete`, else those around the span of a message (the store reads no more on the
    hot path). Rules that need the whole history run on a complete view only; a stopped session is
    always read whole."""

    transaction_id: str
    protocol: str
    attribution: Attribution
    started_at: datetime | None  # None while the start is unknown
    meter_start_wh: int | None = None
    answer: Answer | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    flags: frozenset[Flag] = frozenset()
    stop: Stop | None = None
    readings: frozenset[Reading] = frozenset()
    readings_complete: bool = True
    offline: bool = False  # some event of it was queued offline
    last_seq_no: int | None = None  # 2.0.1 TransactionEvent order

    # --- what follows from the facts ----------------------------------------------------------

    @property
    def state(self) -> SessionState:
        if self.stop is None:
            return SessionState.ACTIVE
        return SessionState.ORPHAN if Flag.ORPHAN in self.flags else SessionState.COMPLETED

    @property
    def meter_stop_wh(self) -> int | None:
        return self.stop.meter_wh if self.stop else None

    @property
    def energy_wh(self) -> int | None:
        return energy_wh(self.meter_start_wh, self.meter_stop_wh) if self.stop else None

    @property
    def flag_names(self) -> list[str]:
        """The flags in a stable order, each once."""
        return [f.value for f in Flag if f in self.flags]

    @property
    def takes_stop(self) -> bool:
        """Open, or closed by us on a reboot: a stop from the station (re)closes it. Any other
        stop is a replay or a second stop, and the first one stands."""
        return self.stop is None or Flag.MISSING_STOP in self.flags

    @property
    def start_reported(self) -> bool:
        """The start meter is the station's own (1.6 meterStart), not read from the readings."""
        return self.protocol in METERS_REPORTED and Flag.ORPHAN not in self.flags

    @property
    def final_reported(self) -> bool:
        """The final meter is the station's own (1.6 meterStop), not read from the readings."""
        return self.protocol in METERS_REPORTED and Flag.MISSING_STOP not in self.flags

    # --- what happens to it -------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        transaction_id: str,
        protocol: str,
        started_at: datetime | None,
        attribution: Attribution,
        *,
        meter_start_wh: int | None = None,
        readings: Iterable[Reading] = (),
        answer: Answer | None = None,
        accepted: bool = True,
        evse_id: int | None = None,
        connector_id: int | None = None,
        offline: bool = False,
    ) -> ChargingSession:
        """A new session. A start time of None: the transaction was first heard of by a later
        event (its start is late or lost), kept flagged orphan until the start comes. A token
        the access rules refused still starts it (the station may charge anyway), flagged."""
        flags = set() if accepted else {Flag.UNAUTHORISED}
        if started_at is None:
            flags.add(Flag.ORPHAN)
        return cls(
            transaction_id=transaction_id,
            protocol=protocol,
            attribution=attribution,
            started_at=started_at,
            meter_start_wh=meter_start_wh,
            answer=answer,
            evse_id=evse_id,
            connector_id=connector_id,
            flags=frozenset(flags),
            readings=frozenset(readings),
            offline=offline,
        )._settled()

    def record(self, readings: Iterable[Reading]) -> ChargingSession:
        """Register readings, in any order and any number of times: the same readings make the
        same session. Late ones (queued offline, taken before the stop) may raise a final meter
        read from the readings, or show the meter ran backwards."""
        known = self.readings | frozenset(readings)
        return self if known == self.readings else replace(self, readings=known)._settled()

    def attribute(self, attribution: Attribution, answer: Answer, *, accepted: bool) -> ChargingSession:
        """A token named after a start that named none (2.0.1: plugged in before authorising):
        its attribution is frozen now. A session that has its token keeps it."""
        if self.attribution.id_token is not None:
            return self
        flags = self.flags if accepted else self.flags | {Flag.UNAUTHORISED}
        return replace(self, attribution=attribution, answer=answer, flags=flags)

    def start_known(self, at: datetime, readings: Iterable[Reading] = ()) -> ChargingSession:
        """The start of a session first heard of later (its Started was queued offline)."""
        session = self.record(readings)
        if Flag.ORPHAN not in session.flags:
            return session
        return replace(session, started_at=at, flags=session.flags - {Flag.ORPHAN})._settled()

    def end(
        self,
        at: datetime,
        reason: str | None,
        *,
        meter_stop_wh: int | None = None,
        readings: Iterable[Reading] = (),
    ) -> ChargingSession:
        """The station's stop, with its readings and, on 1.6, its final meter. A session we closed
        on a reboot is reopened and takes it (only the reboot's missing_stop goes)."""
        session = self.record(readings)
        if not session.takes_stop:
            return session
        return replace(
            session, stop=Stop(at, meter_stop_wh, reason), flags=session.flags - {Flag.MISSING_STOP}
        )._settled()

    def close_on_reboot(self, at: datetime) -> ChargingSession:
        """The station booted with this session open, so it lost it: closed at its last reading
        (else at the boot), flagged so nobody bills it unseen. The real stop may still come."""
        if self.stop is not None:
            return self
        last = max(self.readings, key=_by_time, default=None)
        stop = Stop(last.at if last else at, None, REBOOT_REASON)
        flags = self.flags | {Flag.CLOSED_ON_REBOOT, Flag.MISSING_STOP}
        return replace(self, stop=stop, flags=flags)._settled()

    def noted(
        self,
        *,
        seq_no: int | None = None,
        offline: bool = False,
        evse_id: int | None = None,
        connector_id: int | None = None,
    ) -> ChargingSession:
        """What any 2.0.1 event tells besides its readings: its order, that it was queued offline,
        the EVSE (an event may name it later than the first)."""
        last = self.last_seq_no
        if seq_no is not None:
            last = seq_no if last is None else max(last, seq_no)
        evse, connector = self.evse_id, self.connector_id
        if evse is None and evse_id is not None:
            evse, connector = evse_id, connector_id
        return replace(
            self, last_seq_no=last, offline=self.offline or offline, evse_id=evse, connector_id=connector
        )

    # --- the derived facts --------------------------------------------------------------------

    def _settled(self) -> ChargingSession:
        """The meters and the flags they imply, worked out again from the facts."""
        if not self.readings_complete:
            if self.stop is not None:
                raise ValueError("a stopped session's rules need all its readings")
            return self._checked()
        start = self.meter_start_wh if self.start_reported else self._start_reading()
        session = replace(self, meter_start_wh=start)
        if session.stop is not None:
            final = session.stop.meter_wh if session.final_reported else session._final_reading()
            flags = (session.flags - _METER_FLAGS) | stop_flags(start, final)
            session = replace(session, stop=replace(session.stop, meter_wh=final), flags=flags)
        return session._checked()

    def _start_reading(self) -> int | None:
        """The Transaction.Begin reading; else, once the start is known, the first reading (before
        the stop: the stop's own reading is no start)."""
        begin = _latest(r for r in self.readings if r.context == TRANSACTION_BEGIN)
        if begin is not None or Flag.ORPHAN in self.flags:
            return begin.wh if begin else None
        until = self.stop.at if self.stop else None
        first = min((r for r in self.readings if until is None or r.at < until), key=_by_time, default=None)
        return first.wh if first else None

    def _final_reading(self) -> int | None:
        """The Transaction.End reading; else the highest reading up to the stop."""
        assert self.stop is not None
        end = _latest(r for r in self.readings if r.context == TRANSACTION_END)
        if end is not None:
            return end.wh
        stopped_at = self.stop.at
        return max((r.wh for r in self.readings if r.at <= stopped_at), default=None)

    def _checked(self) -> ChargingSession:
        if Flag.METER_BACKWARDS in self.flags or not self._runs_backwards():
            return self
        return replace(self, flags=self.flags | {Flag.METER_BACKWARDS})

    def _runs_backwards(self) -> bool:
        """A reading below the start meter or below a reading taken earlier, or a final meter the
        station reported below a reading before it. (A final meter below the start meter is
        stop_below_start.) Readings taken at the same instant are not ordered."""
        start = self.meter_start_wh
        if start is not None and any(r.wh < start for r in self.readings):
            return True
        points = [(r.at, r.wh) for r in self.readings]
        if self.stop is not None and self.final_reported and self.stop.meter_wh is not None:
            points.append((self.stop.at, self.stop.meter_wh))
        highest: int | None = None  # of the readings taken before the instant at hand
        for _, taken in groupby(sorted(points), key=itemgetter(0)):
            values = [wh for _, wh in taken]  # in ascending order
            if highest is not None and values[0] < highest:
                return True
            highest = values[-1] if highest is None else max(highest, values[-1])
        return False


def _by_time(reading: Reading) -> tuple[datetime, int]:
    return reading.at, reading.wh


def _latest(readings: Iterable[Reading]) -> Reading | None:
    return max(readings, key=_by_time, default=None)


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
