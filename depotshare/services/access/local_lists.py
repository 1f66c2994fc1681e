"""Offline authorisation: every connected station's OCPP Local Authorization List kept equal to what
the access engine admits there. This background task of the serving process syncs the due stations
(due on changes, reconnects, boots, window boundaries, expiries, hourly) with local_list_sync.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from depotshare.services.access.local_list_sync import RETRY_AFTER, SyncOutcome, sync_station
from depotshare.services.common.ports import StationCommands
from depotshare.services.runtime import Runtime
from depotshare.store.access.local_lists import LocalLists

LOGGER = logging.getLogger("depotshare.local_lists")
POLL_S = 2.0  # how often the background task looks for due stations
BOOT_GRACE = timedelta(seconds=5)  # a new connection without a boot is synced after this
CONCURRENT_SYNCS = 16
STOP_GRACE_S = 10.0  # at shutdown, how long syncs under way may take to end by themselves


class LocalListSync:
    """Syncs the due stations connected to this process, every `poll_s` seconds, a few at a time."""

    def __init__(
        self,
        runtime: Runtime,
        poll_s: float = POLL_S,
        now: Callable[[], datetime] | None = None,
        hold_off: Callable[[], bool] = lambda: False,
    ) -> None:
        self.runtime = runtime
        self.poll_s = poll_s
        self.now = now or (lambda: runtime.clock.now())  # the runtime's clock, also one a test sets
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
            due = await uow.repo(LocalLists).due_stations(now, RETRY_AFTER)
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
