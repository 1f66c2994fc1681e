"""Charging sessions as stations report them, for both OCPP versions: start with a frozen
attribution snapshot, meter values, stop, orphans, closing on reboot. Every public use case commits
once; the building blocks (open_session, add_samples, close_session) never commit, so a 2.0.1
TransactionEvent can combine them in its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from depotshare.domain.access.decision import AuthStatus, Decision
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
from depotshare.domain.common.errors import InvalidInput, NotFound
from depotshare.services.access import authorization
from depotshare.services.access.authorization import Authorization
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.charging import recording as repo
from depotshare.store.charging.models import ChargingSession

# A stop for a transaction we never saw is kept under this prefix, so the station's id can never
# collide with an id we hand out later (1.6 transaction ids are our session numbers).
ORPHAN_PREFIX = "orphan:"
REBOOT_REASON = "Reboot"
# What the columns hold (Numeric(24, 6), BigInteger, String(36) less the orphan prefix), checked
# up front so an absurd reading is the station's InvalidInput, not our failed insert.
MAX_SAMPLE = Decimal(10) ** 18
MAX_WH = 10**15  # a petawatt-hour: beyond any meter register
MAX_TRANSACTION_ID = 36 - len(ORPHAN_PREFIX)


@dataclass(frozen=True)
class StartRequest:
    evse_id: int | None
    connector_id: int | None
    id_token: str | None
    id_token_type: str | None
    meter_start_wh: int | None
    started_at: datetime  # the station's own time
    transaction_id: str | None = None  # None: we number it (1.6); else the station's (2.0.1)
    start_key: str | None = None  # what makes a retried start the same start
    offline: bool = False


@dataclass(frozen=True)
class Started:
    session_id: int
    transaction_id: str
    decision: Decision
    created: bool  # False for a retried start


@dataclass(frozen=True)
class StopRequest:
    transaction_id: str
    meter_stop_wh: int | None
    stopped_at: datetime
    reason: str | None = None
    id_token: str | None = None
    samples: Sequence[Sample] = ()
    evse_id: int | None = None


@dataclass(frozen=True)
class Stopped:
    session_id: int
    decision: Decision | None  # for the token given with the stop, if any
    orphan: bool
    replay: bool


def _check_wh(value: int | None, path: str) -> None:
    if value is not None and abs(value) >= MAX_WH:
        raise InvalidInput(path, f"{value} Wh is beyond any meter")


# --- building blocks (no commit) ----------------------------------------------------------------


async def open_session(
    uow: UnitOfWork, station_id: int, protocol: str, req: StartRequest, auth: Authorization | None
) -> ChargingSession:
    """Insert an active session with its attribution frozen from `auth` (None: no token known,
    e.g. a 2.0.1 transaction started by a cable plug-in). Flagged when the token was refused."""
    site = auth.site if auth else await _site(uow, station_id)
    token = auth.token if auth else None
    flags = [] if auth is None or auth.decision.accepted else with_flags([], {Flag.UNAUTHORISED})
    row = ChargingSession(
        station_id=station_id,
        location_id=site.location_id,
        evse_id=req.evse_id,
        connector_id=req.connector_id,
        protocol=protocol,
        # 1.6 numbers a transaction by the session id, known only after the insert.
        transaction_id=req.transaction_id or uuid.uuid4().hex,
        start_key=req.start_key,
        state=SessionState.ACTIVE.value,
        id_token=req.id_token,
        id_token_type=req.id_token_type,
        token_id=token.id if token else None,
        auth_status=auth.decision.status.value if auth else None,
        auth_reason=auth.decision.reason if auth else None,
        auth_expires_at=auth.decision.expires_at if auth else None,
        auth_group=auth.decision.group if auth else None,
        started_at=req.started_at,
        meter_start_wh=req.meter_start_wh,
        flags=flags,
        flagged=bool(flags),
        offline=req.offline,
        owner_org_id=site.org_id,
        token_org_id=token.org_id if token else None,
        employee_id=(token.employee_id if token else None) or site.home_employee_id,
        vehicle_id=token.vehicle_id if token else None,
        cost_centre_id=token.cost_centre_id if token else None,
    )
    uow.session.add(row)
    await uow.flush()
    if req.transaction_id is None:
        row.transaction_id = str(row.id)
        await uow.flush()
    return row


async def add_samples(
    uow: UnitOfWork,
    station_id: int,
    session: ChargingSession | None,
    samples: Sequence[Sample],
    evse_id: int | None = None,
    connector_id: int | None = None,
) -> None:
    """Store sampled values (one multi-row insert) and flag the session when its import register
    reads lower than an earlier reading (or the start meter). A sample already stored is skipped:
    a message sent again after a lost answer stores nothing twice."""
    if not samples:
        return
    for i, sample in enumerate(samples):
        if abs(sample.value) >= MAX_SAMPLE:
            raise InvalidInput(f"samples[{i}].value", f"{sample.value} is beyond any meter")
    session_id = session.id if session else None
    rows = [{"evse_id": evse_id, "connector_id": connector_id, **_fields(s)} for s in samples]
    stored = await _stored_keys(uow, station_id, session_id, samples)
    fresh = [(s, row) for s, row in zip(samples, rows, strict=True) if _key(row) not in stored]
    readings = register_readings(s for s, _ in fresh) if session is not None else []
    previous = await _register_before(uow, session, readings[0].sampled_at) if session and readings else None
    owner = {"session_id": session_id, "station_id": station_id}
    await repo.add_meter_values(uow.session, [{**owner, **row} for _, row in fresh])
    if session is not None and readings:
        flags: set[Flag] = set()
        for s in readings:
            wh = to_wh(s.value, s.unit, s.multiplier)
            flags |= reading_flags(previous, wh)
            previous = wh
        _flag(session, flags)


_SAMPLE_FIELDS = (
    "sampled_at",
    "measurand",
    "phase",
    "unit",
    "multiplier",
    "context",
    "location",
    "value",
    "signed_data",
    "signing_method",
    "public_key",
)
# What a station reported of a sample: the same in all of these, for the same session (or the
# station outside any session), is the same sample. The value too: another value for the same
# instant is kept beside the first, never dropped. Checked here, not by a unique index: the
# nullable columns (phase, context, ...) would compare as distinct NULLs there.
_KEY_COLUMNS = ("evse_id", "connector_id", *_SAMPLE_FIELDS)
_VALUE_SCALE = Decimal("0.000001")  # the value column's: a stored value reads back at this scale


def _fields(sample: Sample) -> dict[str, Any]:
    return {k: getattr(sample, k) for k in _SAMPLE_FIELDS}


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        row[c].quantize(_VALUE_SCALE, ROUND_HALF_UP) if c == "value" else row[c] for c in _KEY_COLUMNS
    )


async def _stored_keys(
    uow: UnitOfWork, station_id: int, session_id: int | None, samples: Sequence[Sample]
) -> set[tuple[Any, ...]]:
    """The keys of the samples already stored in the time span of `samples`."""
    times = [s.sampled_at for s in samples]
    stored = await repo.meter_values_between(
        uow.session, station_id, session_id, min(times), max(times), _KEY_COLUMNS
    )
    return {_key(dict(zip(_KEY_COLUMNS, values, strict=True))) for values in stored}


async def _last_reading_wh(uow: UnitOfWork, session: ChargingSession, before: datetime) -> int | None:
    row = await repo.last_register(uow.session, session.id, before)
    return None if row is None else to_wh(row[1], row[2], row[3])


async def _register_before(uow: UnitOfWork, session: ChargingSession, at: datetime) -> int | None:
    """The last register reading of the session before `at`, else the start meter."""
    reading = await _last_reading_wh(uow, session, at)
    return session.meter_start_wh if reading is None else reading


def _flag(session: ChargingSession, flags: set[Flag], drop: Iterable[Flag] = ()) -> None:
    dropped = {f.value for f in drop}
    merged = with_flags([f for f in session.flags if f not in dropped], flags)
    if merged != session.flags:
        session.flags = merged  # a new list: the JSON column sees the change
        session.flagged = bool(merged)


def close_session(
    session: ChargingSession,
    *,
    stopped_at: datetime,
    meter_stop_wh: int | None,
    reason: str | None,
    flags: Iterable[Flag] = (),
    drop: Iterable[Flag] = (),
) -> None:
    """Close with the final reading; energy only when the meter is sound (domain rules)."""
    session.stopped_at = stopped_at
    session.meter_stop_wh = meter_stop_wh
    session.stop_reason = reason
    session.energy_wh = energy_wh(session.meter_start_wh, meter_stop_wh)
    _flag(session, stop_flags(session.meter_start_wh, meter_stop_wh) | set(flags), drop)
    if session.state == SessionState.ACTIVE.value:
        session.state = SessionState.COMPLETED.value


async def close_on_reboot(uow: UnitOfWork, station_id: int, at: datetime) -> int:
    """A station that boots has lost its open sessions: close them at their last reading, flagged
    so nobody bills them unseen. A real stop arriving later (queued offline) still completes them."""
    open_rows = await repo.sessions_in_state(uow.session, station_id, SessionState.ACTIVE.value)
    for row in open_rows:
        last = await repo.last_register(uow.session, row.id)
        close_session(
            row,
            stopped_at=last[0] if last else at,
            meter_stop_wh=to_wh(last[1], last[2], last[3]) if last else None,
            reason=REBOOT_REASON,
            flags={Flag.CLOSED_ON_REBOOT, Flag.MISSING_STOP},
        )
    return len(open_rows)


async def find_session(uow: UnitOfWork, station_id: int, transaction_id: str) -> ChargingSession | None:
    return await repo.session_by_transaction(uow.session, station_id, [transaction_id])


async def _site(uow: UnitOfWork, station_id: int) -> repo.SiteRow:
    site = await repo.site_of(uow.session, station_id)
    if site is None:
        raise NotFound("charging station not found")
    return site


# --- use cases (one transaction each) -----------------------------------------------------------


async def start_session(uow: UnitOfWork, station_id: int, protocol: str, req: StartRequest) -> Started:
    """Authorise and open a session. A retried start (same start_key) returns the first answer.
    A refused token still opens the session, flagged unauthorised: the station may charge anyway."""
    _check_wh(req.meter_start_wh, "meterStart")
    if req.start_key is not None:
        known = await repo.session_by_start_key(uow.session, station_id, req.start_key)
        if known is not None:
            return Started(known.id, known.transaction_id, _answered(known), False)
    auth = None
    if req.id_token is not None:
        auth = await authorization.check(
            uow, station_id, req.id_token, req.evse_id, req.started_at, DecisionSource.START
        )
    row = await open_session(uow, station_id, protocol, req, auth)
    await uow.commit()
    decision = auth.decision if auth else Decision(AuthStatus.UNKNOWN, "no token")
    return Started(row.id, row.transaction_id, decision, True)


def _answered(session: ChargingSession) -> Decision:
    """The decision a session's start was answered with, as kept on the session: deciding again
    could answer otherwise (the session itself now runs, a grant's window moved on)."""
    status = AuthStatus(session.auth_status) if session.auth_status else AuthStatus.UNKNOWN
    return Decision(
        status, session.auth_reason or "", expires_at=session.auth_expires_at, group=session.auth_group
    )


async def meter_values(
    uow: UnitOfWork,
    station_id: int,
    samples: Sequence[Sample],
    *,
    transaction_id: str | None = None,
    evse_id: int | None = None,
    connector_id: int | None = None,
) -> None:
    """Samples, attached to their session when the transaction is known, else to the station."""
    session = await find_session(uow, station_id, transaction_id) if transaction_id else None
    await add_samples(uow, station_id, session, samples, evse_id, connector_id)
    await uow.commit()


async def stop_session(uow: UnitOfWork, station_id: int, protocol: str, req: StopRequest) -> Stopped:
    """Close a session. A replayed stop changes nothing; a stop for an unknown transaction is kept
    as an orphan for review; a session we closed on reboot takes the real stop when it comes."""
    _check_wh(req.meter_stop_wh, "meterStop")
    if len(req.transaction_id) > MAX_TRANSACTION_ID:
        raise InvalidInput("transactionId", f"at most {MAX_TRANSACTION_ID} characters")
    decision = None
    if req.id_token is not None:
        decision = await authorization.authorize(
            uow, station_id, req.id_token, req.evse_id, req.stopped_at, DecisionSource.STOP
        )
    ids = [req.transaction_id, ORPHAN_PREFIX + req.transaction_id]
    row = await repo.session_by_transaction(uow.session, station_id, ids)
    if row is None:
        row = await _orphan(uow, station_id, protocol, req)
        await uow.commit()
        return Stopped(row.id, decision, orphan=True, replay=False)
    reopened = Flag.MISSING_STOP.value in row.flags and row.state == SessionState.COMPLETED.value
    if row.state != SessionState.ACTIVE.value and not reopened:
        await uow.commit()  # the decision record only
        return Stopped(row.id, decision, orphan=row.state == SessionState.ORPHAN.value, replay=True)
    await add_samples(uow, station_id, row, req.samples, row.evse_id, row.connector_id)
    flags: set[Flag] = set()
    if req.meter_stop_wh is not None:
        # Against samples only: a stop below the start meter is stop_below_start, not this.
        flags = reading_flags(await _last_reading_wh(uow, row, req.stopped_at), req.meter_stop_wh)
    close_session(
        row,
        stopped_at=req.stopped_at,
        meter_stop_wh=req.meter_stop_wh,
        reason=req.reason,
        flags=flags,
        drop={Flag.MISSING_STOP, Flag.NO_METER_STOP} if reopened else (),
    )
    await uow.commit()
    return Stopped(row.id, decision, orphan=False, replay=False)


async def _orphan(uow: UnitOfWork, station_id: int, protocol: str, req: StopRequest) -> ChargingSession:
    site = await _site(uow, station_id)
    row = ChargingSession(
        station_id=station_id,
        location_id=site.location_id,
        evse_id=req.evse_id,
        protocol=protocol,
        transaction_id=ORPHAN_PREFIX + req.transaction_id,
        state=SessionState.ORPHAN.value,
        id_token=req.id_token,
        stopped_at=req.stopped_at,
        meter_stop_wh=req.meter_stop_wh,
        stop_reason=req.reason,
        flags=with_flags([], {Flag.ORPHAN}),
        flagged=True,
        owner_org_id=site.org_id,
    )
    uow.session.add(row)
    await uow.flush()
    await add_samples(uow, station_id, row, req.samples)
    # The meter at the start is unknown; the transaction data may tell it.
    row.meter_start_wh = register_wh(s for s in req.samples if s.context == "Transaction.Begin")
    row.energy_wh = energy_wh(row.meter_start_wh, row.meter_stop_wh)
    return row
