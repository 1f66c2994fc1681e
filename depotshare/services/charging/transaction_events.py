"""OCPP 2.0.1 TransactionEvents: one charging session per (station, transactionId), assembled from
events that may come late, twice or out of order (a station's offline queue). Each seqNo is applied
once; meter values are stored at their own times; the final meter is the Ended event's reading,
else the highest register reading seen. A transaction whose Started never came is kept, flagged
orphan, until it does. One transaction per event, built from the session blocks of sessions.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from depotshare.domain.access.decision import Decision
from depotshare.domain.access.decision_chain import DecisionSource
from depotshare.domain.charging.meter import Sample, register_readings, register_wh, to_wh
from depotshare.domain.charging.sessions import (
    Flag,
    SessionState,
    energy_wh,
    reading_flags,
    stop_flags,
    with_flags,
)
from depotshare.domain.common.errors import NotFound
from depotshare.services.access import authorization
from depotshare.services.access.authorization import Authorization
from depotshare.services.charging.recording import (
    StartRequest,
    add_samples,
    close_session,
    find_session,
    open_session,
)
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.sites.connected_stations import BootInfo
from depotshare.store.charging import recording as charging_repo
from depotshare.store.charging import transaction_events as repo
from depotshare.store.charging.models import ChargingSession
from depotshare.store.sites.models import ChargingStation

STARTED, UPDATED, ENDED = "Started", "Updated", "Ended"
BEGIN, END = "Transaction.Begin", "Transaction.End"
DEFAULT_STOP_REASON = "Local"  # 2.0.1: an absent stoppedReason means Local
NO_AUTHORIZATION = "NoAuthorization"  # an idToken type that names no token
_SOURCE = {STARTED: DecisionSource.START, UPDATED: DecisionSource.UPDATE, ENDED: DecisionSource.STOP}
_ACTIVE, _COMPLETED, _ORPHAN = (
    s.value for s in (SessionState.ACTIVE, SessionState.COMPLETED, SessionState.ORPHAN)
)


@dataclass(frozen=True)
class TransactionEvent:
    event_type: str  # Started | Updated | Ended
    at: datetime  # the station's own time
    trigger_reason: str
    seq_no: int
    transaction_id: str
    stopped_reason: str | None = None
    offline: bool = False
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    id_token_type: str | None = None
    samples: Sequence[Sample] = ()


@dataclass(frozen=True)
class Applied:
    session_id: int
    decision: Decision | None  # for the event's idToken, when it carried one
    replay: bool


async def apply(uow: UnitOfWork, station_id: int, protocol: str, ev: TransactionEvent) -> Applied:
    """Apply one TransactionEvent and commit. A seqNo the session has seen changes nothing."""
    row = await find_session(uow, station_id, ev.transaction_id)
    auth = await _authorize(uow, station_id, ev)  # a replay is answered as freshly as the first time
    if row is None:
        row = await _open(uow, station_id, protocol, ev, auth)
    if not await _record(uow, row, ev):
        await uow.commit()  # the decision record and the station's last-seen time; the session stays
        return Applied(row.id, auth.decision if auth else None, replay=True)
    if auth is not None and row.id_token is None:
        _attribute(row, ev, auth)  # started by a plug-in; the token came with a later event
    row.last_seq_no = ev.seq_no if row.last_seq_no is None else max(row.last_seq_no, ev.seq_no)
    row.offline = row.offline or ev.offline
    if row.evse_id is None and ev.evse_id is not None:
        row.evse_id, row.connector_id = ev.evse_id, ev.connector_id
    await add_samples(uow, station_id, row, ev.samples, row.evse_id, row.connector_id)
    if ev.event_type == STARTED:
        _started(row, ev)
    elif ev.event_type == ENDED:
        await _ended(uow, row, ev)
    elif row.state != _ACTIVE:
        await _late_readings(uow, row, ev)
    await uow.commit()
    return Applied(row.id, auth.decision if auth else None, replay=False)


async def _record(uow: UnitOfWork, row: ChargingSession, ev: TransactionEvent) -> bool:
    return await repo.record(
        uow.session,
        session_id=row.id,
        seq_no=ev.seq_no,
        event_type=ev.event_type,
        trigger_reason=ev.trigger_reason,
        offline=ev.offline,
        at=ev.at,
    )


async def _authorize(uow: UnitOfWork, station_id: int, ev: TransactionEvent) -> Authorization | None:
    if ev.id_token is None or ev.id_token_type == NO_AUTHORIZATION:
        return None
    return await authorization.check(uow, station_id, ev.id_token, ev.evse_id, ev.at, _SOURCE[ev.event_type])


async def _open(
    uow: UnitOfWork, station_id: int, protocol: str, ev: TransactionEvent, auth: Authorization | None
) -> ChargingSession:
    started = ev.event_type == STARTED
    req = StartRequest(
        evse_id=ev.evse_id,
        connector_id=ev.connector_id,
        id_token=ev.id_token,
        id_token_type=ev.id_token_type,
        meter_start_wh=_reading(ev.samples, BEGIN) if started else None,
        started_at=ev.at,
        transaction_id=ev.transaction_id,
        offline=ev.offline,
    )
    row = await open_session(uow, station_id, protocol, req, auth)
    if not started:  # its Started is late or lost: the start is unknown until it comes
        row.started_at = None
        _flag(row, {Flag.ORPHAN})
    return row


def _attribute(row: ChargingSession, ev: TransactionEvent, auth: Authorization) -> None:
    """Freeze the token's attribution on a session that had none, as open_session does."""
    token = auth.token
    row.id_token, row.id_token_type = ev.id_token, ev.id_token_type
    row.token_id = token.id if token else None
    row.auth_status, row.auth_reason = auth.decision.status.value, auth.decision.reason
    row.auth_expires_at, row.auth_group = auth.decision.expires_at, auth.decision.group
    row.token_org_id = token.org_id if token else None
    row.employee_id = (token.employee_id if token else None) or row.employee_id
    row.vehicle_id = token.vehicle_id if token else None
    row.cost_centre_id = token.cost_centre_id if token else None
    if not auth.decision.accepted:
        _flag(row, {Flag.UNAUTHORISED})


def _started(row: ChargingSession, ev: TransactionEvent) -> None:
    """A Started after other events of its transaction: the start becomes known."""
    if Flag.ORPHAN.value not in row.flags:
        return
    row.started_at = ev.at
    if row.meter_start_wh is None:
        row.meter_start_wh = _reading(ev.samples, BEGIN)
    _flag(row, set(), drop={Flag.ORPHAN})
    if row.state == _ORPHAN:  # it had ended already
        row.state = _COMPLETED
        row.energy_wh = energy_wh(row.meter_start_wh, row.meter_stop_wh)
        _flag(row, stop_flags(row.meter_start_wh, row.meter_stop_wh))


async def _ended(uow: UnitOfWork, row: ChargingSession, ev: TransactionEvent) -> None:
    # A session we closed on a reboot takes the real end when it comes (as a 1.6 stop does).
    reopened = Flag.MISSING_STOP.value in row.flags and row.state == _COMPLETED
    if row.state != _ACTIVE and not reopened:
        return  # a second Ended under another seqNo: the first one stands
    readings = await _readings_wh(uow, row)
    if row.meter_start_wh is None and Flag.ORPHAN.value not in row.flags and readings:
        row.meter_start_wh = readings[0][1]  # a Started without a reading: the first one there is
    final = _reading(ev.samples, END)
    if final is None:
        final = max((wh for _, wh in readings), default=None)
    before = [wh for at, wh in readings if at < ev.at]
    close_session(
        row,
        stopped_at=ev.at,
        meter_stop_wh=final,
        reason=ev.stopped_reason or DEFAULT_STOP_REASON,
        flags=reading_flags(before[-1] if before else None, final) if final is not None else set(),
        drop={Flag.MISSING_STOP, Flag.NO_METER_STOP} if reopened else (),
    )
    if Flag.ORPHAN.value in row.flags:
        row.state = _ORPHAN


async def _late_readings(uow: UnitOfWork, row: ChargingSession, ev: TransactionEvent) -> None:
    """Readings taken before the end that arrive after it (offline queue). Without a reading of its
    own in the Ended event the final meter is the highest reading: it may grow. With one, a late
    reading above it means the meter ran backwards."""
    if row.stopped_at is None:
        return
    stopped_at = row.stopped_at
    late = [
        to_wh(s.value, s.unit, s.multiplier)
        for s in register_readings(ev.samples)
        if s.sampled_at <= stopped_at
    ]
    if not late:
        return
    stored = await repo.register_readings(uow.session, row.id)
    if any(context == END for *_, context in stored):
        if row.meter_stop_wh is not None and max(late) > row.meter_stop_wh:
            _flag(row, {Flag.METER_BACKWARDS})
        return
    highest = max(wh for _, wh in await _readings_wh(uow, row))
    if row.meter_stop_wh is None or highest > row.meter_stop_wh:
        row.meter_stop_wh = highest
        row.energy_wh = energy_wh(row.meter_start_wh, highest)
        _flag(row, stop_flags(row.meter_start_wh, highest), drop={Flag.NO_METER_STOP})


# --- readings -------------------------------------------------------------------------------


def _reading(samples: Sequence[Sample], context: str) -> int | None:
    """The event's register reading in Wh: the one with `context` if there is one, else any."""
    registers = register_readings(samples)
    preferred = [s for s in registers if s.context == context]
    return register_wh(preferred or registers)


async def _readings_wh(uow: UnitOfWork, row: ChargingSession) -> list[tuple[datetime, int]]:
    return [
        (at, to_wh(value, unit, multiplier))
        for at, value, unit, multiplier, _ in await repo.register_readings(uow.session, row.id)
    ]


def _flag(row: ChargingSession, added: set[Flag], drop: Iterable[Flag] = ()) -> None:
    dropped = {f.value for f in drop}
    merged = with_flags([f for f in row.flags if f not in dropped], added)
    if merged != row.flags:
        row.flags = merged  # a new list: the JSON column sees the change
        row.flagged = bool(merged)


# --- BootNotification reason Triggered ------------------------------------------------------


async def triggered_boot(
    uow: UnitOfWork, station_id: int, info: BootInfo, payload: dict[str, Any], now: datetime
) -> str:
    """A BootNotification the CSMS asked for (TriggerMessage, reason Triggered): the station did
    not restart, so unlike stations_live.boot its open transactions stay open. Details and the
    event are kept; returns the registration status to answer."""
    station = await uow.session.get(ChargingStation, station_id)
    if station is None:
        raise NotFound("charging station not found")
    for name, value in vars(info).items():
        if value is not None:
            setattr(station, name, value)
    station.last_seen_at = now
    charging_repo.add_event(uow.session, station_id, "BootNotification", now, payload)
    await uow.commit()
    return station.registration_status
