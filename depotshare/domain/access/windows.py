"""Weekly time windows on a location's local wall clock: the day names, reading a window from its
days and "HH:MM-HH:MM" hours, whether a grant is open at an instant, until when it stays open, and
when it opens next. DST rules are in docs/access-rules.md."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from depotshare.domain.common.errors import InvalidInput

DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES: tuple[DayName, ...] = get_args(DayName)  # index = date.weekday()
# Read as well by parse_window; never written.
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_PER_DAY = 24 * 60
ALL_DAYS = frozenset(range(7))
# Open without a break for over a week means open all week (the pattern repeats weekly).
_ALWAYS_OPEN = timedelta(days=8)


@dataclass(frozen=True)
class WeeklyWindow:
    """Open on each of `days` from `start` to `end` (minutes after local midnight). An end at or
    before the start crosses midnight: fri 20:00-06:00 runs from Friday 20:00 to Saturday 06:00."""

    days: frozenset[int]
    start: int  # 0..1439
    end: int  # 1..1440; 1440 is 24:00, the end of the day

    def __post_init__(self) -> None:
        if not self.days <= ALL_DAYS or not self.days:
            raise ValueError("days are 0 (Monday) to 6 (Sunday), at least one")
        if not (0 <= self.start < MINUTES_PER_DAY and 0 < self.end <= MINUTES_PER_DAY):
            raise ValueError("start is 00:00..23:59 and end 00:01..24:00")
        if self.start == self.end:
            raise ValueError("a window from a time to the same time is ambiguous")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def always(self) -> bool:
        """Open the whole week: the same as no window at all."""
        return self.days == ALL_DAYS and (self.start, self.end) == (0, MINUTES_PER_DAY)


def parse_window(days: Sequence[str] | None, hours: str | None, path: str = "grants[0]") -> WeeklyWindow:
    """A window from a grant's `days: [mon, ...]` and `hours: "HH:MM-HH:MM"` (the import, the API,
    the stored form). No days means every day; no hours means the whole day."""
    day_set = (
        ALL_DAYS if days is None else frozenset(_day(d, f"{path}.days[{i}]") for i, d in enumerate(days))
    )
    if not day_set:
        raise InvalidInput(f"{path}.days", "name at least one day, or leave days out for every day")
    if hours is None:
        return WeeklyWindow(day_set, 0, MINUTES_PER_DAY)
    parts = hours.split("-")
    if len(parts) != 2:
        raise InvalidInput(f"{path}.hours", 'hours are "HH:MM-HH:MM", e.g. "20:00-06:00"')
    start, end = _minutes(parts[0], f"{path}.hours", 23), _minutes(parts[1], f"{path}.hours", 24)
    if start == end:  # zero hours or all day? Ask for the spelling that cannot be misread.
        raise InvalidInput(f"{path}.hours", "an empty window; for the whole day write 00:00-24:00")
    # "20:00-00:00" ends at the coming midnight, which is 24:00 of the same day.
    return WeeklyWindow(day_set, start, end or MINUTES_PER_DAY)


def format_window(window: WeeklyWindow) -> str:
    days = ",".join(DAY_NAMES[d] for d in sorted(window.days))
    return f"{days} {hhmm(window.start)}-{hhmm(window.end)}"


def is_open(windows: Iterable[WeeklyWindow], at: datetime, zone: ZoneInfo) -> bool:
    """No windows means any time."""
    windows = tuple(windows)
    return not windows or any(o <= at < c for o, c in _occurrences(windows, at, zone))


def open_until(windows: Iterable[WeeklyWindow], at: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant the windows close after `at`, following back-to-back occurrences (fri
    20:00-24:00 then sat 00:00-06:00 close on Saturday at 06:00). None when open without end in
    sight (no windows, or open all week). Only meaningful when `is_open(windows, at, zone)`."""
    windows = tuple(windows)
    if not windows:
        return None
    end = at
    # Followed by time, not by count: several windows make several occurrences a day.
    while end - at < _ALWAYS_OPEN:
        closes = [c for o, c in _occurrences(windows, end, zone) if o <= end < c]
        if not closes:
            return None if end == at else end
        end = max(closes)  # later than `end`: the loop advances
    return None


def next_opening(windows: Iterable[WeeklyWindow], at: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant after `at` at which a closed occurrence opens (for re-synchronising
    offline lists at window boundaries). None without windows."""
    opens = [o for o, _ in _occurrences(tuple(windows), at, zone, range(-1, 9)) if o > at]
    return min(opens, default=None)


def first_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the local clock reads `wall` or later. A reading that
    occurs twice (clocks going back) counts the first time; one that never occurs (clocks going
    forward) is reached at the instant the clock jumps past it."""
    earlier = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(earlier, zone) == wall:
        return earlier
    # In a gap zoneinfo offers two instants, one on each side of the jump; the jump lies between.
    other = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = int(min(earlier, other).timestamp()), int(max(earlier, other).timestamp())
    while hi - lo > 1:  # transitions fall on whole seconds
        mid = (lo + hi) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), zone) >= wall:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _occurrences(
    windows: tuple[WeeklyWindow, ...], at: datetime, zone: ZoneInfo, offsets: Iterable[int] = range(-2, 2)
) -> Iterator[tuple[datetime, datetime]]:
    """Occurrences [open, close) on local days around `at`'s local date; a window lasts under two
    days and a repeated hour under one, so two days back and one ahead hold every candidate."""
    today = at.astimezone(zone).date()
    for offset in offsets:
        day = today + timedelta(days=offset)
        for window in windows:
            if day.weekday() not in window.days:
                continue
            opens = first_instant(_at(day, window.start), zone)
            end_day = day + timedelta(days=1) if window.crosses_midnight else day
            closes = first_instant(_at(end_day, window.end), zone)
            if opens < closes:  # a window wholly inside a skipped hour does not happen that day
                yield opens, closes


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0)) + timedelta(minutes=minutes)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _day(name: str, path: str) -> int:
    key = name.strip().lower()
    for index, short in enumerate(DAY_NAMES):
        if key in (short, _FULL_DAY_NAMES[index]):
            return index
    raise InvalidInput(path, f"a day is one of {', '.join(DAY_NAMES)}")


def _minutes(text: str, path: str, max_hour: int) -> int:
    hh, sep, mm = text.strip().partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2 and len(hh) in (1, 2)):
        raise InvalidInput(path, 'hours are "HH:MM-HH:MM", e.g. "20:00-06:00"')
    hour, minute = int(hh), int(mm)
    if hour > max_hour or minute > 59 or (hour == 24 and minute):
        raise InvalidInput(path, "a time is 00:00 to 23:59 (24:00 allowed as an end)")
    return hour * 60 + minute


def hhmm(minutes: int) -> str:
    """Minutes after local midnight as HH:MM (1440 is 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
