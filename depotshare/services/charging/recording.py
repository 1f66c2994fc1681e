"""Charging sessions as stations report them: the 1.6 start and stop, orphans, closing on a reboot,
and the blocks the 2.0.1 TransactionEvents share (opening a session with its attribution frozen).
Each use case loads the session into the aggregate (domain/charging/sessions.py), lets it decide,
writes back what changed and commits once; the blocks never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from depotshare.domain.access.decision import AuthStatus, Decision
from depotshare.domain.access.decision_chain import DecisionSource
from depotshare.domain.charging.attribution import Attribution, TokenFacts
from depotshare.domain.charging.meter import Sample, readings
from depotshare.domain.charging.sessions import Answer, ChargingSession, SessionState
from depotshare.domain.common.errors import InvalidInput, NotFound
from depotshare.services.access import authorization
from depotshare.services.access.authorization import Authorization
from depotshare.services.charging.charge_facts import SiteRow, TokenRow, site_of
from depotshare.services.charging.meter_values import check_samples, store_samples
from depotshare.services.charging.meter_values import meter_values as meter_values
from depotshare.services.common.copying import copy_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.charging.sessions import Sessions, StoredSession

# A stop for a transaction we never saw is kept under this prefix, so the station's id can never
# collide with an id we hand out later (1.6 transaction ids are our session numbers).
ORPHAN_PREFIX = "orphan:"
# What the columns hold (BigInteger, String(36) less the orphan prefix), checked up front so an
# absurd reading is the station's InvalidInput, not our failed insert.
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
    uow: UnitOfWork,
    station_id: int,
    protocol: str,
    req: StartRequest,
    auth: Authorization | None,
    *,
    start_known: bool = True,
) -> StoredSession:
    """Insert a session with its attribution frozen from `auth` (None: no token known, e.g. a
    2.0.1 transaction started by a cable plug-in). `start_known` False: first heard of by a later
    event, its start is late or lost."""
    site = auth.site if auth else await _site(uow, station_id)
    session = ChargingSession.start(
        # 1.6 numbers a transaction by the session id, known only after the insert.
        req.transaction_id or uuid.uuid4().hex,
        protocol,
        req.started_at if start_known else None,
        attribution(site, req.id_token, req.id_token_type, auth),
        meter_start_wh=req.meter_start_wh,
        answer=answer_of(auth.decision) if auth else None,
        accepted=auth is None or auth.decision.accepted,
        evse_id=req.evse_id,
        connector_id=req.connector_id,
        offline=req.offline,
    )
    sessions = uow.repo(Sessions)
    stored = await sessions.insert(station_id, site.location_id, session, req.start_key)
    if req.transaction_id is None:
        stored = await sessions.save(stored, replace(session, transaction_id=str(stored.id)))
    return stored


def attribution(
    site: SiteRow, id_token: str | None, id_token_type: str | None, auth: Authorization | None
) -> Attribution:
    token = auth.token if auth else None
    return Attribution.frozen(
        site.org_id,
        home_employee_id=site.home_employee_id,
        id_token=id_token,
        id_token_type=id_token_type,
        token=token_facts(token) if token else None,
    )


def token_facts(token: TokenRow) -> TokenFacts:
    return copy_of(TokenFacts, token, token_id=token.id)


def answer_of(decision: Decision) -> Answer:
    return Answer(decision.status.value, decision.reason, decision.expires_at, decision.group)


async def close_on_reboot(uow: UnitOfWork, station_id: int, at: datetime) -> int:
    """A station that boots has lost its open sessions: each is closed as the session's rule says
    (at its last reading, flagged), in a fixed number of statements however many there are."""
    sessions = uow.repo(Sessions)
    open_sessions = await sessions.open_at(station_id)
    await sessions.save_all([(s, s.charging.close_on_reboot(at)) for s in open_sessions])
    return len(open_sessions)


async def _site(uow: UnitOfWork, station_id: int) -> SiteRow:
    site = await site_of(uow, station_id)
    if site is None:
        raise NotFound("charging station not found")
    return site


# --- use cases (one transaction each) -----------------------------------------------------------


async def start_session(uow: UnitOfWork, station_id: int, protocol: str, req: StartRequest) -> Started:
    """Authorise and open a session. A retried start (same start_key) returns the first answer.
    A refused token still opens the session, flagged unauthorised: the station may charge anyway."""
    _check_wh(req.meter_start_wh, "meterStart")
    if req.start_key is not None:
        known = await uow.repo(Sessions).find_by_start_key(station_id, req.start_key)
        if known is not None:
            return Started(known.id, known.charging.transaction_id, _answered(known.charging), False)
    auth = None
    if req.id_token is not None:
        auth = await authorization.check(
            uow, station_id, req.id_token, req.evse_id, req.started_at, DecisionSource.START
        )
    stored = await open_session(uow, station_id, protocol, req, auth)
    await uow.commit()
    decision = auth.decision if auth else Decision(AuthStatus.UNKNOWN, "no token")
    return Started(stored.id, stored.charging.transaction_id, decision, True)


def _answered(session: ChargingSession) -> Decision:
    """The decision a session's start was answered with, as kept on the session: deciding again
    could answer otherwise (the session itself now runs, a grant's window moved on)."""
    answer = session.answer
    if answer is None:
        return Decision(AuthStatus.UNKNOWN, "")
    return Decision(
        AuthStatus(answer.status), answer.reason, expires_at=answer.expires_at, group=answer.group
    )


async def stop_session(uow: UnitOfWork, station_id: int, protocol: str, req: StopRequest) -> Stopped:
    """Close a session. A replayed stop changes nothing; a stop for an unknown transaction is kept
    as an orphan for review; a session we closed on reboot takes the real stop when it comes."""
    _check_wh(req.meter_stop_wh, "meterStop")
    check_samples(req.samples)
    if len(req.transaction_id) > MAX_TRANSACTION_ID:
        raise InvalidInput("transactionId", f"at most {MAX_TRANSACTION_ID} characters")
    decision = None
    if req.id_token is not None:
        decision = await authorization.authorize(
            uow, station_id, req.id_token, req.evse_id, req.stopped_at, DecisionSource.STOP
        )
    ids = [req.transaction_id, ORPHAN_PREFIX + req.transaction_id]
    stored = await uow.repo(Sessions).find(station_id, ids)
    if stored is None:
        stored = await _orphan(uow, station_id, protocol, req)
        await uow.commit()
        return Stopped(stored.id, decision, orphan=True, replay=False)
    if not stored.charging.takes_stop:
        await uow.commit()  # the decision record only
        orphan = stored.charging.state == SessionState.ORPHAN
        return Stopped(stored.id, decision, orphan=orphan, replay=True)
    await store_samples(
        uow, station_id, stored.id, req.samples, stored.charging.evse_id, stored.charging.connector_id
    )
    ended = stored.charging.end(
        req.stopped_at, req.reason, meter_stop_wh=req.meter_stop_wh, readings=readings(req.samples)
    )
    await uow.repo(Sessions).save(stored, ended)
    await uow.commit()
    return Stopped(stored.id, decision, orphan=False, replay=False)


async def _orphan(uow: UnitOfWork, station_id: int, protocol: str, req: StopRequest) -> StoredSession:
    """A stop for a transaction we never saw start: kept, flagged orphan, its start unknown."""
    site = await _site(uow, station_id)
    session = ChargingSession.start(
        ORPHAN_PREFIX + req.transaction_id,
        protocol,
        None,
        Attribution(site.org_id, id_token=req.id_token),
        evse_id=req.evse_id,
    ).end(req.stopped_at, req.reason, meter_stop_wh=req.meter_stop_wh, readings=readings(req.samples))
    stored = await uow.repo(Sessions).insert(station_id, site.location_id, session)
    await store_samples(uow, station_id, stored.id, req.samples)
    return stored
