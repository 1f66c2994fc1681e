"""Admission control for reconnect storms. After a restart every station reconnects at once;
each costs a few milliseconds of CPU (handshake, admission, BootNotification, status) and the
process can only do so many per second. Without a bound, thousands of handshakes queue for the
database pool, wait past the stations' own timeouts (~30 s), are retried, and the work done for
the abandoned ones is wasted. So at most `slots` stations are *booting* at a time: from the
handshake until their first call has been answered (or they close, or BOOT_HOLD_MAX_S passed).
A handshake waits up to `wait_s` for a place; if none frees up, or too many already wait, it is
refused with HTTP 503 and a Retry-After, and the station retries later (chargers retry refused
connections with their own back-off)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

# A station that is admitted but sends nothing gives its place back after this long.
BOOT_HOLD_MAX_S = 10.0
# Handshakes allowed to wait for a place, per place: about what one process boots in the wait
# (~150 stations/s); more would only wait to be refused.
WAITING_PER_SLOT = 20


class BootGate:
    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self._semaphore = asyncio.Semaphore(slots)
        self._waiting = 0
        self.refused = 0  # handshakes answered 503 so far (for logs and tests)

    @property
    def booting(self) -> int:
        return self.slots - self._semaphore._value

    async def enter(self) -> Callable[[], None] | None:
        """A place for one booting station: returns its release (idempotent), or None when the
        handshake is to be refused."""
        if self._semaphore.locked():
            if self._waiting >= self.slots * WAITING_PER_SLOT or self.wait_s <= 0:
                self.refused += 1
                return None
            self._waiting += 1
            try:
                async with asyncio.timeout(self.wait_s):
                    await self._semaphore.acquire()
            except TimeoutError:
                self.refused += 1
                return None
            finally:
                self._waiting -= 1
        else:
            await self._semaphore.acquire()
        return self._release_once()

    def _release_once(self) -> Callable[[], None]:
        timer: asyncio.TimerHandle | None = None
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                if timer is not None:
                    timer.cancel()
                self._semaphore.release()

        timer = asyncio.get_running_loop().call_later(BOOT_HOLD_MAX_S, release)
        return release
