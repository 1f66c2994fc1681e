"""A clock a test sets and moves: time rules (expiry, heartbeats, windows) tested at the instant
they turn, in milliseconds, instead of by waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class FakeClock:
    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move on by a timedelta's keywords (`seconds=90`, `hours=1`); returns the new instant."""
        self.current += timedelta(**delta)
        return self.current
