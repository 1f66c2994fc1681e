"""Offline authorisation: every connected station's OCPP Local Authorization List kept equal to what
the access engine admits there. Changes to what a list depends on mark the affected stations
(local_list_marks.py, following domain events); a background task in the serving process syncs due stations (changes, reconnects and
boots, window boundaries and expiries, a periodic version check for drift) in Differential or Full
updates within the station's limits, holding no transaction while it waits for a station."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from depotshare.domain.access.decision_chain import DecisionSource, LogEntry
from depotshare.domain.access.facts import AuthStatus, SiteFacts, TokenFacts
from depotshare.domain.access.grants import Grant, PartnershipFacts
from depotshare.domain.access.local_list import (
    MAX_ID_TOKEN,
    Desired,
    Entry,
    ListLimits,
    ListUpdateStatus,
    Message,
    apply,
    desired_list,
    fingerprint,
    next_change,
    plan,
)
from depotshare.domain.charging import commands as cmd
from depotshare.domain.common.errors import InvalidInput, StationError, StationOffline, StationTimeout
from depotshare.domain.orgs import tree
from depotshare.services.access import authorization
from depotshare.services.common.ports import StationCommands
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime
from depotshare.store.access import authorization as access_repo
from depotshare.store.access import local_lists as repo
from depotshare.store.charging import recording as charging_repo
from depotshare.store.common.base import utcnow
from depotshare.store.sites.models import ChargingStation

LOGGER = logging.getLogger("depotshare.local_lists")
POLL_S = 2.0  # how often the background task looks for due stations
VERSION_CHECK_EVERY = timedelta(hours=1)  # GetLocalListVersion at least this often: drift
RETRY_AFTER = timedelta(seconds=30)  # after a failed sync
BOOT_GRACE = timedelta(seconds=5)  # a new connection without a boot is synced after this
CONCURRENT_SYNCS = 16
STOP_GRACE_S = 10.0  # at shutdown, how long syncs under way may take to end by themselves
# How a sync ends when the station refuses an update.
_REFUSED = {
    ListUpdateStatus.FAILED: "failed",
    ListUpdateStatus.VERSION_MISMATCH: "version_mismatch",
    ListUpdateStatus.NOT_SUPPORTED: "not_supported",
}


# --- one station's sync ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncOutcome:
    result: str  # ok | failed | version_mismatch | not_supported | timeout | offline | error
    detail: str | None = None
    version: int | None = None
    entries: int = 0
    messages: int = 0
    full: bool = False


@dataclass
class _Facts:
    """What the sync reads in its first, short transaction."""

    ocpp_id: str
    protocol: str
    connected_at: datetime | None
    last_boot_at: datetime | None
    site: SiteFacts
    prefixes: list[str]  # whose tokens may be listed: the owner's and the grants' subjects
    grants: list[Grant]
    partnerships: list[PartnershipFacts]
    version: int | None
    entries: dict[str, Entry]
    limits: ListLimits
    limits_known: bool
    changes: int
    full_requested: bool
    # The candidates, read only once the station is known to keep a list: with a large fleet this
    # is the costly read, and most reconnecting stations need no change.
    tokens: list[TokenFacts] = field(default_factory=list)


@dataclass
class _Progress:
    limits: ListLimits
    limits_read: bool = False
    station_version: int | None = None
    version: int | None = None
    entries: dict[str, Entry] | None = None  # what the station holds now, if known
    desired: Desired | None = None
    sent: list[Message] = field(default_factory=list)
    full: bool = False


async def sync_station(
    new_uow: Callable[[], UnitOfWork],
    commands: StationCommands,
    station_pk: int,
    *,
    timeout: float,  # noqa: ASYNC109 - each station answer's deadline, passed on to the port
    now: Callable[[], datetime] = utcnow,
) -> SyncOutcome:
    """Bring one connected station's list to what the engine admits now. Reads in one short
    transaction, talks to the station with none open, writes the outcome in another."""
    async with new_uow() as uow:
        facts = await _read_facts(uow, station_pk)
        await uow.commit()  # the row `ensure` may have created
    if facts is None:
        return SyncOutcome("error", "station not found")
    progress = _Progress(facts.limits, entries=facts.entries if facts.version is not None else None)
    progress.version = facts.version
    try:
        if not facts.limits_known:
            progress.limits = await read_limits(commands, facts.ocpp_id, timeout)
            progress.limits_read = True
        if progress.limits.enabled is False:
            outcome = SyncOutcome("not_supported", "the station's local list is disabled")
        else:
            async with new_uow() as uow:
                facts.tokens = await repo.candidate_tokens(uow.session, facts.prefixes)
            outcome = await _talk(commands, facts, progress, timeout, now())
    except StationOffline as e:
        outcome = SyncOutcome("offline", e.detail)
    except StationTimeout as e:
        outcome = SyncOutcome("timeout", e.detail)
    except StationError as e:
        # A station that does not implement local lists says so with a CALLERROR; asking again
        # every RETRY_AFTER would never end, so it is not supported until the hourly check.
        unsupported = e.code in ("NotImplemented", "NotSupported")
        outcome = SyncOutcome("not_supported" if unsupported else "error", e.detail)
    except InvalidInput as e:  # a bug in what we built: the station is not to blame
        LOGGER.error("%s: local list not sent: %s", facts.ocpp_id, e.detail)
        outcome = SyncOutcome("error", e.detail)
    async with new_uow() as uow:
        at = now()
        await repo.save(uow.session, station_pk, facts.changes, _outcome_values(facts, progress, outcome, at))
        for entry in _listing_log(facts, progress, station_pk, at):
            await authorization.record(uow, entry)
        await uow.commit()
    LOGGER.info("%s: local list %s (%s)", facts.ocpp_id, outcome.result, outcome.detail or "")
    return outcome


def _listing_log(facts: _Facts, progress: _Progress, station_pk: int, at: datetime) -> list[LogEntry]:
    """What the station accepted, as decision log entries with source LocalList: a listed token
    (Accepted, with the grant and until when) may charge there offline; one taken off may not."""
    sources = progress.desired.sources if progress.desired else {}
    partners = {p.id: tree.ids_on_path(p.partner_org_path)[-1] for p in facts.partnerships}
    out = []
    for change in (c for message in progress.sent for c in message.changes):
        listed = sources.get(change.id_token) if isinstance(change, Entry) else None
        decision = listed.decision if listed else None
        token = listed.token if listed else None
        if isinstance(change, Entry):
            until = f" until {change.expires_at.isoformat()}" if change.expires_at else ""
            why = f"; {decision.reason}" if decision else ""
            status, reason = AuthStatus.ACCEPTED.value, f"on the local list of {facts.ocpp_id}{until}{why}"
        else:
            status, reason = "Unlisted", f"taken off the local list of {facts.ocpp_id}"
        out.append(
            LogEntry(
                location_id=facts.site.location_id or 0,
                at=at,
                station_id=station_pk,
                evse_id=None,
                id_token=change.id_token,
                token_id=token.id if token else None,
                token_org_id=tree.ids_on_path(token.org_path)[-1] if token else None,
                partner_org_id=partners.get(decision.partnership_id)
                if decision and decision.partnership_id
                else None,
                grant_id=decision.grant_id if decision else None,
                decision=status,
                reason=reason[:200],
                source=DecisionSource.LOCAL_LIST.value,
            )
        )
    return out


async def _read_facts(uow: UnitOfWork, station_pk: int) -> _Facts | None:
    db = uow.session
    station = await db.get(ChargingStation, station_pk)
    site = await charging_repo.site_of(db, station_pk)
    if station is None or site is None:
        return None
    await repo.ensure(db, station_pk)
    row = await repo.get(db, station_pk)
    assert row is not None
    await db.refresh(row)
    rules = await access_repo.rules_at(db, site.location_id)
    prefixes = [site.org_path, *(g.subject.org_path for g in rules.grants)]
    return _Facts(
        ocpp_id=station.ocpp_id,
        protocol=station.protocol or "ocpp1.6",
        connected_at=station.connected_at,
        last_boot_at=station.last_boot_at,
        site=SiteFacts(site.org_path, site.timezone, location_id=site.location_id, station_id=station_pk),
        prefixes=prefixes,
        grants=rules.grants,
        partnerships=rules.partnerships,
        version=row.version,
        entries={e.id_token: e for e in map(repo.entry_of, row.entries or [])},
        limits=ListLimits(row.enabled, row.max_entries, row.items_per_message, row.bytes_per_message),
        # Limits are read once per connection: a station may be reconfigured while away.
        limits_known=row.limits_read_at is not None and row.synced_connection_at == station.connected_at,
        changes=row.changes,
        full_requested=row.full_requested,
    )


async def _talk(
    commands: StationCommands, facts: _Facts, progress: _Progress, wait_s: float, at: datetime
) -> SyncOutcome:
    station_version = (await commands.ask(facts.ocpp_id, cmd.GetLocalListVersion(), wait_s)).version
    if station_version is None:
        return SyncOutcome("not_supported", "the station reports that it keeps no local list")
    progress.station_version = station_version
    drifted = facts.version is not None and station_version != facts.version
    if drifted:  # the station's list is not the one we confirmed: replace it whole
        progress.entries = None
    desired = desired_list(
        facts.tokens,
        facts.site,
        at,
        facts.grants,
        facts.partnerships,
        max_entries=progress.limits.max_entries,
        max_id_length=MAX_ID_TOKEN.get(facts.protocol, 20),
    )
    progress.desired = desired
    base = max(station_version, facts.version or 0)
    messages = plan(progress.entries, desired.entries, base, progress.limits, full=facts.full_requested)
    progress.full = any(m.full for m in messages)
    current = progress.entries or {}
    for message in messages:
        command = cmd.SendLocalList(message.version, message.full, message.changes)
        answer = await commands.ask(facts.ocpp_id, command, wait_s)
        if answer.status is not ListUpdateStatus.ACCEPTED:
            why = f" ({answer.reason})" if answer.reason else ""
            return SyncOutcome(
                _REFUSED[answer.status],
                f"SendLocalList version {message.version} answered {answer.status.value}{why}",
                progress.version,
                len(current),
                len(progress.sent),
                progress.full,
            )
        current = apply(current, message)
        progress.entries, progress.version = current, message.version
        progress.sent.append(message)
    if not messages:
        progress.entries, progress.version = current, station_version
    detail = f"drift: the station reported version {station_version}; the whole list was sent"
    return SyncOutcome(
        "ok",
        detail if drifted else None,
        progress.version,
        len(current),
        len(messages),
        progress.full,
    )


async def read_limits(commands: StationCommands, ocpp_id: str, wait_s: float) -> ListLimits:
    """What the station says about its list; unknown where it does not say."""
    try:
        return await commands.ask(ocpp_id, cmd.GetLocalListLimits(), wait_s)
    except StationError:  # a station without these keys: try the list anyway
        return ListLimits()


def _outcome_values(facts: _Facts, progress: _Progress, outcome: SyncOutcome, at: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "last_attempt_at": at,
        "last_result": outcome.result,
        "last_detail": (outcome.detail or "")[:200] or None,
        "synced_connection_at": facts.connected_at,
        "synced_boot_at": facts.last_boot_at,
        "full_requested": facts.full_requested and outcome.result not in ("ok", "failed", "not_supported"),
    }
    if progress.limits_read:
        limits = progress.limits
        values |= {
            "enabled": limits.enabled,
            "max_entries": limits.max_entries,
            "items_per_message": limits.items_per_message,
            "bytes_per_message": limits.bytes_per_message,
            "limits_read_at": at,
        }
    if progress.entries is not None:  # what the station confirmed, also after a partial sync
        values |= {
            "version": progress.version,
            "entries": [repo.entry_json(e) for _, e in sorted(progress.entries.items())],
            "entry_count": len(progress.entries),
            "fingerprint": fingerprint(progress.entries),
        }
    elif progress.station_version is not None:  # drifted and nothing accepted: unknown content
        values |= {"version": None, "entries": [], "entry_count": 0, "fingerprint": None}
    if progress.desired is not None:
        desired = progress.desired
        values |= {"admitted": desired.admitted, "left_out": len(desired.left_out) + len(desired.unlistable)}
    if outcome.result == "ok":
        assert progress.desired is not None
        nxt = next_change(progress.desired, facts.tokens, facts.site, at, facts.grants, facts.partnerships)
        values |= {
            "last_sync_at": at,
            "next_sync_at": min(d for d in (nxt, at + VERSION_CHECK_EVERY) if d is not None),
            "dirty": False,
        }
    elif outcome.result == "not_supported":
        values |= {"next_sync_at": at + VERSION_CHECK_EVERY, "dirty": False}
    else:
        # A Differential the station refused for its version: the next try sends the whole list.
        if outcome.result == "version_mismatch":
            values["full_requested"] = True
        values |= {"next_sync_at": at + RETRY_AFTER, "dirty": True}
    return values


# --- the background task ----------------------------------------------------------------------------


class LocalListSync:
    """Syncs the due stations connected to this process, every `poll_s` seconds, a few at a time."""

    def __init__(
        self,
        runtime: Runtime,
        poll_s: float = POLL_S,
        now: Callable[[], datetime] = utcnow,
        hold_off: Callable[[], bool] = lambda: False,
    ) -> None:
        self.runtime = runtime
        self.poll_s = poll_s
        self.now = now
        # True while the process has more urgent work (a reconnect storm booting): no new syncs.
        self.hold_off = hold_off
        self._running: dict[int, asyncio.Task[SyncOutcome]] = {}
        # When each station's last sync ended (loop time): a round whose due list was read before
        # that is stale for the station and must not start its sync again.
        self._ended_at: dict[int, float] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_SYNCS)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="local-list-sync")

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Start no more syncs and let those under way end by themselves: a sync cancelled in
        the middle of its transaction could leave the database locked (SQLite) or a row locked.
        Whatever still runs after `grace_s` is cancelled."""
        self._stopping.set()
        tasks = [t for t in (self._task, *self._running.values()) if t is not None]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=grace_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:  # the next round tries again; one bad station must not stop all
                LOGGER.exception("local list sync round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.poll_s)

    async def tick(self) -> list[int]:
        """Start a sync for every due station connected here; returns their ids."""
        commands: StationCommands | None = self.runtime.station_commands
        if commands is None or self.hold_off():
            return []
        now = self.now()
        read_at = asyncio.get_running_loop().time()
        async with self.runtime.uow() as uow:
            due = await repo.due_stations(uow.session, now, RETRY_AFTER)
        started = []
        for station in due:
            if station.pk in self._running or not commands.is_connected(station.ocpp_id):
                continue
            if self._ended_at.get(station.pk, -math.inf) >= read_at:  # synced while we read
                continue
            booted = station.last_boot_at is not None and (
                station.connected_at is None or station.last_boot_at >= station.connected_at
            )
            # A fresh connection boots first (2.0.1 wants nothing sent before); one that only
            # reconnected after a network loss does not boot, so it waits a little and goes.
            if not booted and station.connected_at is not None and now - station.connected_at < BOOT_GRACE:
                continue
            task = asyncio.create_task(self._sync(commands, station.pk))
            self._running[station.pk] = task
            task.add_done_callback(partial(self._done, station.pk))
            started.append(station.pk)
        return started

    def _done(self, station_pk: int, _: object) -> None:
        self._running.pop(station_pk, None)
        self._ended_at[station_pk] = asyncio.get_running_loop().time()

    async def _sync(self, commands: StationCommands, station_pk: int) -> SyncOutcome:
        async with self._slots:
            timeout = float(self.runtime.settings.ocpp_command_timeout_s)
            return await sync_station(self.runtime.uow, commands, station_pk, timeout=timeout, now=self.now)

    async def idle(self) -> None:
        """Wait for the syncs under way (tests)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)
