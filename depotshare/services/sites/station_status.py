"""A charging station's live connector status: what each connector reported last, with the open
session there, and every status notification it sent (the history)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.charging.registration import RegistrationStatus
from depotshare.domain.common.actor import Actor
from depotshare.services.charging.queries import decode_time_cursor, encode_time_cursor, open_sessions_at
from depotshare.services.common.copying import copy_of
from depotshare.services.common.pagination import Page
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.sites.stations import access_station, registration_of, station_online
from depotshare.store.charging.models import ChargingSession
from depotshare.store.sites.station_reports import StationReports


@dataclass(frozen=True)
class ConnectorStatusView:
    evse_id: int  # 0 with connector 0: the whole station
    connector_id: int
    status: str  # as the station reported it, e.g. Available, Charging, Faulted
    error_code: str | None
    info: str | None
    vendor_id: str | None
    vendor_error_code: str | None
    at: datetime  # the station's own time of the report
    session: int | None  # the open session at this connector, if the caller may see it
    transaction_id: str | None


@dataclass(frozen=True)
class StationStatusView:
    id: str
    registration_status: RegistrationStatus
    connected: bool
    online: bool
    last_seen_at: datetime | None
    connectors: list[ConnectorStatusView]


@dataclass(frozen=True)
class StatusEventView:
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    info: str | None
    vendor_error_code: str | None
    at: datetime
    received_at: datetime


def _open_session_at(
    sessions: Sequence[ChargingSession], evse_id: int, connector_id: int
) -> ChargingSession | None:
    """A 2.0.1 session may name only its EVSE; then it is the one on any connector of that EVSE."""
    for s in sessions:
        if s.evse_id == evse_id and s.connector_id in (connector_id, None):
            return s
    return None


async def get_status(uow: UnitOfWork, actor: Actor, station_id: str) -> StationStatusView:
    """The current status of every connector the station has reported, with its open session."""
    station = await access_station(uow, actor, station_id)
    statuses = await uow.repo(StationReports).connector_statuses(station.id)
    open_sessions = await open_sessions_at(uow, actor, station.id)
    connectors = []
    for c in statuses:
        current = _open_session_at(open_sessions, c.evse_id, c.connector_id)
        session, transaction = (current.id, current.transaction_id) if current else (None, None)
        connectors.append(copy_of(ConnectorStatusView, c, session=session, transaction_id=transaction))
    return StationStatusView(
        id=station.ocpp_id,
        registration_status=registration_of(station.registration_status),
        connected=station.connected,
        online=station_online(station, uow.clock.now()),
        last_seen_at=station.last_seen_at,
        connectors=connectors,
    )


async def list_status_history(
    uow: UnitOfWork, actor: Actor, station_id: str, *, cursor: str | None = None, limit: int = 50
) -> Page[StatusEventView]:
    """Every status notification, newest first by the station's own time."""
    station = await access_station(uow, actor, station_id)
    rows = await uow.repo(StationReports).status_events(
        station.id, before=decode_time_cursor(cursor), limit=limit + 1
    )
    kept = rows[:limit]
    items = [copy_of(StatusEventView, e) for e in kept]
    more = len(rows) > limit and kept
    return Page(items, encode_time_cursor(kept[-1].at, kept[-1].id) if more else None)
