"""Stations as the OCPP gateway sees them: admission at the websocket handshake (identity,
password, pending admission by prefix), connect and disconnect, boot, heartbeat, status and the
other events a station reports. Protocol-neutral: the gateway translates each version's payloads."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput, NotFound, Unauthenticated
from depotshare.domain.common.events import Changed
from depotshare.domain.common.keys import STATION_ID_PATTERN
from depotshare.services.charging.recording import close_on_reboot
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import security
from depotshare.store.common.repository import PoolTimeout
from depotshare.store.sites.locations import Locations
from depotshare.store.sites.models import ChargingStation
from depotshare.store.sites.station_reports import StationReports
from depotshare.store.sites.stations import Stations

_STATION_ID = re.compile(STATION_ID_PATTERN)
# last_seen_at is written at most this often per connection unless the message writes anyway.
TOUCH_EVERY_S = 30.0
GATEWAY = Actor.system("ocpp-gateway")


@dataclass
class StationLink:
    """One accepted connection of a station: what every service call from the gateway carries."""

    pk: int
    ocpp_id: str
    protocol: str  # the negotiated subprotocol, e.g. "ocpp1.6"
    connected_at: datetime
    registration_status: str
    last_touch: float = field(default=0.0, compare=False)  # time.monotonic() of the last write


@dataclass(frozen=True)
class BootInfo:
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None


@dataclass(frozen=True)
class Intervals:
    """How often stations are to call in (the settings)."""

    heartbeat_s: int  # an accepted station's heartbeat interval
    pending_s: int  # how soon a station not (yet) accepted boots again


@dataclass(frozen=True)
class Registration:
    """The answer to a boot: the station's registration status and the interval that goes with it."""

    status: str  # accepted | pending | rejected
    interval_s: int


# The BootNotification reason (2.0.1 BootReasonEnumType) of a boot we asked for with TriggerMessage.
TRIGGERED = "Triggered"


@dataclass(frozen=True)
class StatusReport:
    evse_id: int  # 0 = the whole station
    connector_id: int  # 0 with evse 0
    status: str
    at: datetime  # the station's own time
    error_code: str | None = None
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None


# --- admission ----------------------------------------------------------------------------------

# Station password checks, remembered per process: a reconnect storm then costs a dictionary
# lookup instead of ~160 ms of argon2 per station, and a station retrying a stale password does not
# cost argon2 again each time. Keyed by HMAC-SHA-256 under a random per-process key of (station,
# stored hash, presented password): the memory never holds a plain fast hash of a password, and a
# changed password (a new stored hash, new salt) misses the cache. Refusals are kept apart and
# fewer, so presenting many wrong passwords cannot push the accepted ones out.
_CHECK_KEY = secrets.token_bytes(32)
_VERIFIED_MAX = 100_000
_REFUSED_MAX = 10_000
_verified: OrderedDict[bytes, None] = OrderedDict()
_refused: OrderedDict[bytes, None] = OrderedDict()
# argon2 is CPU- and memory-bound (64 MiB per check at the default cost): at most two at once, off
# the event loop, so other stations keep being served and a storm cannot stack up memory.
_ARGON2 = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


def _digest(ocpp_id: str, password_hash: str, password: str) -> bytes:
    message = "\0".join((ocpp_id, password_hash, password)).encode()
    return hmac.new(_CHECK_KEY, message, hashlib.sha256).digest()


def _remember(cache: OrderedDict[bytes, None], key: bytes, limit: int) -> None:
    cache[key] = None
    if len(cache) > limit:
        cache.popitem(last=False)


async def _password_ok(ocpp_id: str, password_hash: str, password: str) -> bool:
    key = _digest(ocpp_id, password_hash, password)
    for cache, answer in ((_verified, True), (_refused, False)):
        if key in cache:
            cache.move_to_end(key)
            return answer
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(_ARGON2, security.verify_password, password_hash, password)
    if ok:
        _remember(_verified, key, _VERIFIED_MAX)
    else:
        _remember(_refused, key, _REFUSED_MAX)
    return ok


def _prefixes(ocpp_id: str) -> list[str]:
    return [ocpp_id[:n] for n in range(1, len(ocpp_id) + 1)]


class AdmissionBusy(Exception):
    """No database connection could be had for the admission in time: refuse, the station retries."""


async def admit(
    uow: UnitOfWork, ocpp_id: str, credentials: tuple[str, str] | None, protocol: str, now: datetime
) -> StationLink:
    """Decide a websocket handshake. NotFound: unknown station and no location admits it;
    Unauthenticated: the station has a password and it was not presented correctly (the user
    must be the station id). A station unknown but matching a location's admit_station_prefix is
    created there as `pending` (audited) for an operator to accept. Marks the station connected.
    AdmissionBusy: no database connection within the pool's timeout (a reconnect storm)."""
    try:
        return await _admit(uow, ocpp_id, credentials, protocol, now)
    except PoolTimeout as e:
        raise AdmissionBusy(str(e)) from e


async def _admit(
    uow: UnitOfWork, ocpp_id: str, credentials: tuple[str, str] | None, protocol: str, now: datetime
) -> StationLink:
    if not _STATION_ID.match(ocpp_id):  # no station can be named so: unknown
        raise NotFound("unknown charging station")
    station = await uow.repo(Stations).get_by_ocpp_id(ocpp_id)
    if station is None:
        station = await _admit_unknown(uow, ocpp_id)
    elif station.password_hash is not None:
        user, password = credentials or ("", "")
        if user != ocpp_id or not await _password_ok(ocpp_id, station.password_hash, password):
            raise Unauthenticated("wrong or missing station credentials")
    await uow.repo(Stations).set_connected(station.id, protocol, now)
    await uow.commit()
    return StationLink(station.id, ocpp_id, protocol, now, station.registration_status, time.monotonic())


async def _admit_unknown(uow: UnitOfWork, ocpp_id: str) -> ChargingStation:
    location = await uow.repo(Locations).admitting(_prefixes(ocpp_id))
    if location is None:
        raise NotFound("unknown charging station")
    station = ChargingStation(location_id=location.id, ocpp_id=ocpp_id, registration_status="pending")
    uow.repo(Stations).add(station)
    await uow.flush()
    await uow.emit(
        Changed(
            actor=GATEWAY,
            entity="station",
            entity_id=ocpp_id,
            action="admit",
            org_id=location.org_id,
            after={"id": ocpp_id, "location": location.key, "registration_status": "pending"},
        )
    )
    return station


async def disconnected(uow: UnitOfWork, link: StationLink) -> None:
    """The connection closed. A newer connection of the same station is left alone."""
    await uow.repo(Stations).set_disconnected(link.pk, link.connected_at)
    await uow.commit()


async def forget_connections(uow: UnitOfWork) -> int:
    """At start-up: connections live in this process's memory, so whatever the database says is
    connected belongs to a process that is gone (a crash leaves the flags set)."""
    cleared = await uow.repo(Stations).clear_all_connections()
    await uow.commit()
    return cleared


def is_online(
    connected: bool, last_seen_at: datetime | None, now: datetime, heartbeat_interval_s: float
) -> bool:
    """Online: holding a connection and heard from within two heartbeat intervals. A dead
    connection is closed by the websocket ping within ~40 s, which clears `connected`."""
    if not connected or last_seen_at is None:
        return False
    return now - last_seen_at <= timedelta(seconds=2 * heartbeat_interval_s)


async def touch(uow: UnitOfWork, link: StationLink, now: datetime) -> None:
    """Note that the station was heard from, inside the transaction of the message's use case, at
    most every TOUCH_EVERY_S seconds per connection: a busy station costs no extra write per message."""
    mono = time.monotonic()
    if mono - link.last_touch >= TOUCH_EVERY_S:
        link.last_touch = mono
        await uow.repo(Stations).touch(link.pk, now)


# --- what stations report -----------------------------------------------------------------------


async def boot(
    uow: UnitOfWork,
    station_id: int,
    info: BootInfo,
    payload: dict[str, Any],
    now: datetime,
    intervals: Intervals,
    *,
    reason: str | None = None,  # 2.0.1 BootReasonEnumType; 1.6 gives none
) -> Registration:
    """A BootNotification: station details and the event kept. A restart (any reason but
    Triggered) also closes the open sessions, which the station lost; a boot we asked for with
    TriggerMessage is no restart and leaves them open. Returns what to answer."""
    station = await uow.repo(Stations).get_by_id(station_id)
    if station is None:
        raise NotFound("charging station not found")
    for name, value in vars(info).items():
        if value is not None:
            setattr(station, name, value)
    station.last_seen_at = now
    if reason != TRIGGERED:
        station.last_boot_at = now
        await close_on_reboot(uow, station_id, now)
    uow.repo(StationReports).add_event(station_id, "BootNotification", now, payload)
    await uow.commit()
    return registration(station.registration_status, intervals)


def registration(status: str, intervals: Intervals) -> Registration:
    """The heartbeat-interval rule: an accepted station heartbeats at the heartbeat interval, one
    pending or rejected boots again after the pending interval (it may send nothing else)."""
    return Registration(status, intervals.heartbeat_s if status == "accepted" else intervals.pending_s)


async def heartbeat(uow: UnitOfWork, station_id: int, now: datetime) -> None:
    await uow.repo(Stations).touch(station_id, now)
    await uow.commit()


async def status(uow: UnitOfWork, station_id: int, report: StatusReport, now: datetime) -> None:
    """Current state per connector (an older report never overwrites a newer one) plus history."""
    if report.evse_id < 0 or report.connector_id < 0:
        raise InvalidInput("connectorId", "must not be negative")
    await uow.repo(StationReports).record_status(
        {
            "station_id": station_id,
            "evse_id": report.evse_id,
            "connector_id": report.connector_id,
            "status": report.status,
            "error_code": report.error_code,
            "info": report.info,
            "vendor_id": report.vendor_id,
            "vendor_error_code": report.vendor_error_code,
            "at": report.at,
            "received_at": now,
        },
    )
    await uow.commit()


async def event(uow: UnitOfWork, station_id: int, kind: str, payload: dict[str, Any], at: datetime) -> None:
    """Anything else a station tells us (firmware/diagnostics status, DataTransfer, security
    events, NotifyEvent/NotifyReport), kept verbatim."""
    uow.repo(StationReports).add_event(station_id, kind, at, payload)
    await uow.commit()
