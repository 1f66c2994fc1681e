"""What the API shows of the stations' local lists (services/access/local_lists.py keeps them in sync):
one station's list state, the report of stations whose list is out of date, a forced full sync.
Scoped like the stations themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.access.facts import AuthStatus
from depotshare.domain.access.local_list import Entry
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs.roles import Action
from depotshare.services.common.pagination import Page, decode_cursor, page_of
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import access_org
from depotshare.services.sites.stations import access_station, owner
from depotshare.store.access.local_list_models import StationLocalList
from depotshare.store.access.local_lists import LocalLists, entry_of
from depotshare.store.sites.models import ChargingStation

STATES = ("in_sync", "out_of_date", "too_large", "not_supported")


@dataclass(frozen=True)
class LimitsView:
    enabled: bool | None
    max_entries: int | None  # 1.6 LocalAuthListMaxLength, 2.0.1 LocalAuthListCtrlr Entries
    items_per_message: int | None  # 1.6 SendLocalListMaxLength, 2.0.1 ItemsPerMessage
    bytes_per_message: int | None  # 2.0.1 BytesPerMessage


@dataclass(frozen=True)
class LocalListView:
    station: str  # OCPP identity
    state: str  # in_sync | out_of_date | too_large | not_supported
    in_sync: bool
    version: int | None  # as the station confirmed it
    entries: int  # on the station's list
    admitted: int  # tokens the engine admitted there at the last sync
    left_out: int  # admitted but not on the list: beyond the station's size, or an id too long
    limits: LimitsView
    out_of_date_since: datetime | None
    full_requested: bool
    last_attempt_at: datetime | None
    last_sync_at: datetime | None  # the last successful sync
    last_result: str | None
    last_detail: str | None
    next_sync_at: datetime | None


def _view(station: ChargingStation, row: StationLocalList | None, state: str) -> LocalListView:
    if row is None:
        return LocalListView(
            station.ocpp_id, state, False, None, 0, 0, 0, LimitsView(None, None, None, None), None, False,
            None, None, None, "never synchronised", None,
        )  # fmt: skip
    return LocalListView(
        station=station.ocpp_id,
        state=state,
        in_sync=state == "in_sync",
        version=row.version,
        entries=row.entry_count,
        admitted=row.admitted,
        left_out=row.left_out,
        limits=LimitsView(row.enabled, row.max_entries, row.items_per_message, row.bytes_per_message),
        out_of_date_since=row.dirty_since if state == "out_of_date" else None,
        full_requested=row.full_requested,
        last_attempt_at=row.last_attempt_at,
        last_sync_at=row.last_sync_at,
        last_result=row.last_result,
        last_detail=row.last_detail,
        next_sync_at=row.next_sync_at,
    )


async def get_local_list(uow: UnitOfWork, actor: Actor, station_id: str) -> LocalListView:
    station = await access_station(uow, actor, station_id)
    row, state = await uow.repo(LocalLists).with_state(station.id, uow.clock.now())
    return _view(station, row, state)


@dataclass(frozen=True)
class ListedTokenView:
    """A token on the station's list as the station confirmed it (the list holds admitted tokens
    only, so its status is always Accepted); why it was admitted is in the decision log
    (source LocalList), not kept with the list."""

    uid: str  # the id token as sent to the station
    type: str | None
    status: str
    expires_at: datetime | None  # 1.6 expiryDate, 2.0.1 cacheExpiryDateTime
    group: str | None  # 1.6 parentIdTag, 2.0.1 groupIdToken
    charging_priority: int | None  # 2.0.1 only


async def list_entries(
    uow: UnitOfWork, actor: Actor, station_id: str, *, cursor: str | None = None, limit: int = 50
) -> Page[ListedTokenView]:
    """The tokens on a station's list, by uid; the cursor is a position on the list as last
    confirmed (a sync between two pages may shift it)."""
    station = await access_station(uow, actor, station_id)
    row = await uow.repo(LocalLists).get(station.id)
    entries = sorted(map(entry_of, row.entries if row else []), key=lambda e: e.id_token)
    start = decode_cursor(cursor) or 0
    window = list(enumerate(entries))[start : start + limit + 1]
    return page_of(window, limit, lambda pair: pair[0] + 1, lambda pair: _listed(pair[1]))


def _listed(e: Entry) -> ListedTokenView:
    status = AuthStatus.ACCEPTED.value
    return ListedTokenView(e.id_token, e.token_type, status, e.expires_at, e.group, e.charging_priority)


async def list_local_lists(
    uow: UnitOfWork,
    actor: Actor,
    *,
    org: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[LocalListView]:
    """The stations the caller may see with their list state; `state=out_of_date` is the report
    of stations whose list is not what the engine admits."""
    if state is not None and state not in STATES:
        raise InvalidInput("state", f"one of {', '.join(STATES)}")
    prefix = (await access_org(uow, actor, org)).path if org else None
    rows = await uow.repo(LocalLists).list_scoped(
        actor.scope,
        uow.clock.now(),
        org_prefix=prefix,
        state=state,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, lambda r: r[0].id, lambda r: _view(*r))


async def request_full_sync(uow: UnitOfWork, actor: Actor, station_id: str) -> LocalListView:
    """Send the station its whole list again: the background task does it within seconds when the
    station is connected here, or when it next connects. Needs write access to the station."""
    station = await access_station(uow, actor, station_id, Action.WRITE)
    location, _ = await owner(uow, station)
    await uow.repo(LocalLists).ensure(station.id)
    await uow.repo(LocalLists).mark_stations([station.id], full=True)
    await uow.emit(
        Changed(
            actor=actor,
            entity="station",
            entity_id=station.ocpp_id,
            action="local-list-sync",
            org_id=location.org_id,
            after={"update": "Full"},
        )
    )
    await uow.commit()
    row, state = await uow.repo(LocalLists).with_state(station.id, uow.clock.now())
    return _view(station, row, state)
