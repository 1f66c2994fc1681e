"""Reading charging sessions and their meter values. A session is visible from the fleet side (its
token's organisation, or a driver's own) and from the facility side (its location's organisation);
the fleet's own attribution (employee, vehicle, cost centre) is shown to the fleet side only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from depotshare.domain.charging.sessions import SessionState
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.fleet.tokens import uid_candidates
from depotshare.services.common.access import found
from depotshare.services.common.copying import copy_of
from depotshare.services.common.csv_export import EXPORT_BATCH, cell, stream
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.fleet.cost_centres import cost_centre_codes
from depotshare.services.fleet.employees import employee_keys
from depotshare.services.fleet.vehicles import vehicle_keys
from depotshare.services.orgs.organisations import access_org, org_keys
from depotshare.services.runtime import Runtime
from depotshare.services.sites.locations import location_keys
from depotshare.services.sites.stations import station_ids
from depotshare.store.charging.meter_readings import MeterReadings, TimeKey
from depotshare.store.charging.models import ChargingSession, MeterValue
from depotshare.store.charging.session_queries import SessionFilter, SessionQueries

_KWH = Decimal("0.001")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_CURSOR = re.compile(r"^(-?\d{1,18})_(\d{1,18})$")
_PERIOD_HELP = "a date (2026-01-31) or a date-time with a time zone (2026-01-31T22:00:00Z)"


@dataclass(frozen=True)
class SessionView:
    id: int
    station: str  # OCPP identity
    location: str | None  # key; None once the location is gone
    evse_id: int | None
    connector_id: int | None
    protocol: str
    transaction_id: str
    state: str  # active | completed | orphan
    id_token: str | None  # as the station sent it
    id_token_type: str | None
    token: str | None  # uid of the token it was matched to, while that token exists
    auth_status: str | None
    auth_reason: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    energy_kwh: str | None  # decimal string, 3 decimals
    stop_reason: str | None
    flags: list[str]
    flagged: bool
    offline: bool
    # The attribution frozen at the start, by key where the object still exists.
    owner_org: str | None
    token_org: str | None
    employee: str | None
    vehicle: str | None
    cost_centre: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MeterValueView:
    sampled_at: datetime
    measurand: str
    phase: str | None
    unit: str | None
    multiplier: int
    context: str | None
    location: str | None
    value: str  # decimal string, as reported (times 10^multiplier is the quantity in `unit`)
    evse_id: int | None
    connector_id: int | None
    signed: bool
    signed_data: str | None  # e.g. OCMF, verbatim
    signing_method: str | None
    public_key: str | None


def kwh_text(energy_wh: int | None) -> str | None:
    return None if energy_wh is None else str((Decimal(energy_wh) / 1000).quantize(_KWH))


def decimal_text(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 12.5, 100, 0.001."""
    return format(value.normalize(), "f")


def period_bound(text: str | None, path: str, *, end: bool = False) -> datetime | None:
    """A period bound as a UTC instant. A date is midnight UTC at the start of that day, or as an
    `end`, midnight after it (the day is included). A date-time must carry its offset."""
    if text is None or text.strip() == "":
        return None
    value = text.strip()
    try:
        if _DATE.match(value):
            start = datetime.combine(date.fromisoformat(value), time(), UTC)
            return start + timedelta(days=1) if end else start
        at = datetime.fromisoformat(value)
        if at.tzinfo is None or at.utcoffset() is None:
            raise InvalidInput(path, "a date-time needs a time zone offset such as Z or +01:00")
        return at.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(path, _PERIOD_HELP) from None


def encode_time_cursor(at: datetime, row_id: int) -> str:
    return f"{(at - _EPOCH) // _MICROSECOND}_{row_id}"


def decode_time_cursor(cursor: str | None) -> TimeKey | None:
    if cursor is None or cursor == "":
        return None
    match = _TIME_CURSOR.match(cursor)
    try:
        if match is None:
            raise ValueError(cursor)
        return _EPOCH + int(match[1]) * _MICROSECOND, int(match[2])
    except (ValueError, OverflowError):
        raise InvalidInput("cursor", "not a cursor returned by this API") from None


async def _views(uow: UnitOfWork, actor: Actor, sessions: list[ChargingSession]) -> list[SessionView]:
    """Views of a page of sessions: one query per kind of reference, never one per row."""
    queries = uow.repo(SessionQueries)
    fleet_ids = await queries.fleet_side(actor.scope, [r.id for r in sessions])
    stations = await station_ids(uow, [r.station_id for r in sessions])
    locations = await location_keys(uow, [r.location_id for r in sessions])
    orgs = await org_keys(uow, [r.owner_org_id for r in sessions] + [r.token_org_id for r in sessions])
    tokens = await queries.token_uids_by_id([r.token_id for r in sessions])
    fleet = [r for r in sessions if r.id in fleet_ids]
    employees = await employee_keys(uow, [r.employee_id for r in fleet])
    vehicles = await vehicle_keys(uow, [r.vehicle_id for r in fleet])
    codes = await cost_centre_codes(uow, [r.cost_centre_id for r in fleet])
    out = []
    for r in sessions:
        fleet_side = r.id in fleet_ids
        location = locations.get(r.location_id)
        out.append(
            copy_of(
                SessionView,
                r,
                station=stations.get(r.station_id, ""),
                location=location[0] if location else None,
                token=tokens.get(r.token_id or 0),
                energy_kwh=kwh_text(r.energy_wh),
                flags=list(r.flags or []),
                owner_org=orgs.get(r.owner_org_id),
                token_org=orgs.get(r.token_org_id or 0),
                employee=employees.get(r.employee_id or 0) if fleet_side else None,
                vehicle=vehicles.get(r.vehicle_id or 0) if fleet_side else None,
                cost_centre=codes.get(r.cost_centre_id or 0) if fleet_side else None,
            )
        )
    return out


async def access_session(uow: UnitOfWork, actor: Actor, session_id: int) -> ChargingSession:
    """The only way to reach a session: NotFound when absent or invisible."""
    return found(
        await uow.repo(SessionQueries).get_scoped(actor.scope, session_id), f"charging session {session_id}"
    )


async def open_sessions_at(uow: UnitOfWork, actor: Actor, station_pk: int) -> list[ChargingSession]:
    """The station's open sessions the caller may see (its "current session per connector")."""
    return await uow.repo(SessionQueries).active_at(actor.scope, station_pk)


def _token_spellings(uid: str) -> tuple[str, ...]:
    spellings = tuple(dict.fromkeys(value for value, _ in uid_candidates(uid)))
    if not spellings:
        raise InvalidInput("token", "not a token uid")
    return spellings


@dataclass(frozen=True)
class SessionQuery:
    """What a caller asks the session list for, as given (the API's query parameters)."""

    org: str | None = None
    location: str | None = None
    station: str | None = None
    token: str | None = None
    state: SessionState | None = None
    flagged: bool | None = None
    started_from: str | None = None
    started_to: str | None = None


async def list_sessions(
    uow: UnitOfWork, actor: Actor, query: SessionQuery, *, cursor: str | None = None, limit: int = 50
) -> Page[SessionView]:
    """Newest first (by id, the order sessions were recorded). `org` keeps sessions whose token's or
    location's organisation lies in that subtree; the period applies to `started_at`."""
    where = await session_filter(uow, actor, query)
    rows = await uow.repo(SessionQueries).list_scoped(
        actor.scope, where, before_id=decode_cursor(cursor), limit=limit + 1
    )
    items = await _views(uow, actor, rows[:limit])
    return Page(items, str(items[-1].id) if len(rows) > limit else None)


async def session_filter(uow: UnitOfWork, actor: Actor, query: SessionQuery) -> SessionFilter:
    """The list's filters checked and resolved before anything is read (a CSV export then fails
    with a problem, never halfway through)."""
    since = period_bound(query.started_from, "from")
    until = period_bound(query.started_to, "to", end=True)
    if since is not None and until is not None and until <= since:
        raise InvalidInput("to", "the period ends before it starts")
    return SessionFilter(
        org_prefix=(await access_org(uow, actor, query.org)).path if query.org else None,
        location=query.location,
        station=query.station,
        id_tokens=_token_spellings(query.token) if query.token is not None else (),
        state=query.state.value if query.state is not None else None,
        flagged=query.flagged,
        started_from=since,
        started_before=until,
    )


CSV_COLUMNS = (
    "id",
    "station",
    "location",
    "evse",
    "connector",
    "transaction_id",
    "state",
    "id_token",
    "token",
    "token_org",
    "owner_org",
    "employee",
    "vehicle",
    "cost_centre",
    "auth_status",
    "started_at",
    "stopped_at",
    "energy_kwh",
    "stop_reason",
    "flags",
    "offline",
)


def _time(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


def csv_row(v: SessionView) -> list[str]:
    """One session; the station's and users' free text guarded against spreadsheet formulas."""
    return [
        str(v.id),
        cell(v.station),
        v.location or "",
        "" if v.evse_id is None else str(v.evse_id),
        "" if v.connector_id is None else str(v.connector_id),
        cell(v.transaction_id),
        v.state,
        cell(v.id_token),
        v.token or "",
        v.token_org or "",
        v.owner_org or "",
        v.employee or "",
        v.vehicle or "",
        cell(v.cost_centre),
        v.auth_status or "",
        _time(v.started_at),
        _time(v.stopped_at),
        v.energy_kwh or "",
        cell(v.stop_reason),
        " ".join(v.flags),
        "true" if v.offline else "false",
    ]


def export_csv(runtime: Runtime, actor: Actor, where: SessionFilter) -> AsyncIterator[str]:
    """Every session the filter keeps, newest first as the list, as CSV in batches."""

    async def batch(uow: UnitOfWork, before: int | None, limit: int) -> tuple[list[list[str]], int | None]:
        rows = await uow.repo(SessionQueries).list_scoped(actor.scope, where, before_id=before, limit=limit)
        return [csv_row(v) for v in await _views(uow, actor, rows)], rows[-1].id if rows else None

    return stream(runtime, CSV_COLUMNS, batch, EXPORT_BATCH)


async def get_session(uow: UnitOfWork, actor: Actor, session_id: int) -> SessionView:
    return (await _views(uow, actor, [await access_session(uow, actor, session_id)]))[0]


def _meter_view(m: MeterValue) -> MeterValueView:
    return copy_of(MeterValueView, m, value=decimal_text(m.value), signed=m.signed_data is not None)


async def list_meter_values(
    uow: UnitOfWork,
    actor: Actor,
    session_id: int,
    *,
    measurand: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[MeterValueView]:
    """The session's samples in time order (sampled_at, then the order received)."""
    charging = await access_session(uow, actor, session_id)
    rows = await uow.repo(MeterReadings).of_session(
        charging.id, measurand=measurand, after=decode_time_cursor(cursor), limit=limit + 1
    )
    return page_of(rows, limit, lambda m: encode_time_cursor(m.sampled_at, m.id), _meter_view)
