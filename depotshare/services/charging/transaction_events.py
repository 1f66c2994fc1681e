"""OCPP 2.0.1 TransactionEvents: one charging session per (station, transactionId), assembled from
events that may come late, twice or out of order (a station's offline queue). Each seqNo is applied
once; meter values are stored at their own times; the start and final meters are the Begin and
End readings, else the first and the highest reading up to the end. A transaction whose Started never came is kept, flagged
orphan, until it does. Each event loads the session into the aggregate (domain/charging/sessions.py),
which decides; one transaction per event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from depotshare.domain.access.decision import Decision
from depotshare.domain.access.decision_chain import DecisionSource
from depotshare.domain.charging.meter import Sample, readings
from depotshare.domain.charging.sessions import ChargingSession
from depotshare.services.access import authorization
from depotshare.services.access.authorization import Authorization
from depotshare.services.charging.meter_values import check_samples, span_of, store_samples
from depotshare.services.charging.recording import (
    StartRequest,
    answer_of,
    open_session,
    token_facts,
)
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.charging.sessions import Sessions, Span, StoredSession
from depotshare.store.charging.transaction_events import TransactionEvents

STARTED, UPDATED, ENDED = "Started", "Updated", "Ended"
DEFAULT_STOP_REASON = "Local"  # 2.0.1: an absent stoppedReason means Local
NO_AUTHORIZATION = "NoAuthorization"  # an idToken type that names no token
_SOURCE = {STARTED: DecisionSource.START, UPDATED: DecisionSource.UPDATE, ENDED: DecisionSource.STOP}


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
    check_samples(ev.samples)
    # An Updated needs to see only the stored readings around its own; a start or an end, all.
    seen: Span | Literal["all"] | None = span_of(ev.samples) if ev.event_type == UPDATED else "all"
    stored = await uow.repo(Sessions).find(station_id, [ev.transaction_id], readings=seen)
    auth = await _authorize(uow, station_id, ev)  # a replay is answered as freshly as the first time
    if stored is None:
        stored = await _open(uow, station_id, protocol, ev, auth)
    if not await _record(uow, stored.id, ev):
        await uow.commit()  # the decision record and the station's last-seen time; the session stays
        return Applied(stored.id, auth.decision if auth else None, replay=True)
    session = _attributed(stored.charging, ev, auth).noted(
        seq_no=ev.seq_no, offline=ev.offline, evse_id=ev.evse_id, connector_id=ev.connector_id
    )
    await store_samples(uow, station_id, stored.id, ev.samples, session.evse_id, session.connector_id)
    event_readings = readings(ev.samples)
    if ev.event_type == STARTED:
        session = session.start_known(ev.at, event_readings)
    elif ev.event_type == ENDED:
        session = session.end(ev.at, ev.stopped_reason or DEFAULT_STOP_REASON, readings=event_readings)
    else:
        session = session.record(event_readings)
    await uow.repo(Sessions).save(stored, session)
    await uow.commit()
    return Applied(stored.id, auth.decision if auth else None, replay=False)


async def _record(uow: UnitOfWork, session_id: int, ev: TransactionEvent) -> bool:
    return await uow.repo(TransactionEvents).record(
        session_id=session_id,
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
) -> StoredSession:
    """The session of a transaction first heard of now; unless this is its Started, its start is
    late or lost (orphan until it comes)."""
    req = StartRequest(
        evse_id=ev.evse_id,
        connector_id=ev.connector_id,
        id_token=ev.id_token,
        id_token_type=ev.id_token_type,
        meter_start_wh=None,  # 2.0.1 reads it from the transaction's readings
        started_at=ev.at,
        transaction_id=ev.transaction_id,
        offline=ev.offline,
    )
    return await open_session(uow, station_id, protocol, req, auth, start_known=ev.event_type == STARTED)


def _attributed(
    session: ChargingSession, ev: TransactionEvent, auth: Authorization | None
) -> ChargingSession:
    """A token named by a later event of a session started without one (plugged in first)."""
    if auth is None or ev.id_token is None:
        return session
    token = token_facts(auth.token) if auth.token else None
    attribution = session.attribution.with_token(ev.id_token, ev.id_token_type, token)
    return session.attribute(attribution, answer_of(auth.decision), accepted=auth.decision.accepted)
