"""Weekly windows against an independent oracle: the local wall clock, read minute by minute, where
a repeated hour counts once (the clock is taken as never going back), across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depotshare.domain.access.windows import (
    MINUTES_PER_DAY,
    WeeklyWindow,
    first_instant,
    is_open,
    next_opening,
    open_until,
    parse_window,
)
from depotshare.domain.common.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = st.sampled_from([BERLIN, NEW_YORK])
LOOKBACK_MINUTES = 150  # longer than any repeated hour in these zones


def _transitions(zone: ZoneInfo) -> list[datetime]:
    """UTC instants of offset changes 2024..2028, found hour by hour (they fall on whole hours)."""
    found, t = [], datetime(2024, 1, 1, tzinfo=UTC)
    while t.year < 2029:
        if t.astimezone(zone).utcoffset() != (t - timedelta(hours=1)).astimezone(zone).utcoffset():
            found.append(t)
        t += timedelta(hours=1)
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in (BERLIN, NEW_YORK)}


@st.composite
def instants(draw: st.DrawFn, zone: ZoneInfo) -> datetime:
    """Mostly close to a DST change, sometimes anywhere; with seconds, so nothing sits on a minute."""
    if draw(st.booleans()):
        base = draw(st.sampled_from(TRANSITIONS[zone]))
        return base + timedelta(seconds=draw(st.integers(-40 * 3600, 40 * 3600)))
    naive = draw(st.datetimes(datetime(2024, 1, 1), datetime(2028, 12, 31)))  # noqa: DTZ001
    return naive.replace(tzinfo=UTC)


# Times near 00:00-04:00 are likelier, where the clocks change.
MINUTE = st.one_of(st.integers(0, 4 * 60).map(lambda m: m - m % 15), st.integers(0, MINUTES_PER_DAY - 1))
WINDOWS = st.builds(
    lambda days, start, length: WeeklyWindow(days, start, (start + length - 1) % MINUTES_PER_DAY + 1),
    st.frozensets(st.integers(0, 6), min_size=1),
    MINUTE,
    st.integers(1, MINUTES_PER_DAY - 1),
)


def oracle_open(windows: tuple[WeeklyWindow, ...], at: datetime, zone: ZoneInfo) -> bool:
    """The wall clock, never going back: the latest reading in the last hours, sampled per minute."""
    if not windows:
        return True
    clock = max(
        (at - timedelta(minutes=k)).astimezone(zone).replace(tzinfo=None) for k in range(LOOKBACK_MINUTES)
    )
    for w in windows:
        for back in (0, 1):
            day = clock.date() - timedelta(days=back)
            if day.weekday() not in w.days:
                continue
            midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001
            start = midnight + timedelta(minutes=w.start)
            end = midnight + timedelta(minutes=w.end + (MINUTES_PER_DAY if w.crosses_midnight else 0))
            if start <= clock < end:
                return True
    return False


@settings(max_examples=120)
@given(data=st.data(), zone=ZONES, windows=st.lists(WINDOWS, max_size=3).map(tuple))
def test_open_exactly_when_the_wall_clock_is_inside(
    data: st.DataObject, zone: ZoneInfo, windows: tuple[WeeklyWindow, ...]
) -> None:
    at = data.draw(instants(zone))
    assert is_open(windows, at, zone) == oracle_open(windows, at, zone)


@settings(max_examples=100)
@given(data=st.data(), zone=ZONES, windows=st.lists(WINDOWS, min_size=1, max_size=3).map(tuple))
def test_open_until_is_the_end_of_the_open_stretch(
    data: st.DataObject, zone: ZoneInfo, windows: tuple[WeeklyWindow, ...]
) -> None:
    at = data.draw(instants(zone))
    if not oracle_open(windows, at, zone):
        return
    end = open_until(windows, at, zone)
    if end is None:  # open all week
        assert oracle_open(windows, at + timedelta(days=3), zone)
        return
    assert end > at
    assert not oracle_open(windows, end, zone)
    assert oracle_open(windows, end - timedelta(seconds=1), zone)
    fraction = data.draw(st.floats(0, 1))
    moment = min(at + (end - at) * fraction, end - timedelta(microseconds=1))  # rounding may reach end
    assert oracle_open(windows, moment, zone)


@settings(max_examples=100)
@given(data=st.data(), zone=ZONES, windows=st.lists(WINDOWS, min_size=1, max_size=3).map(tuple))
def test_next_opening_is_the_first_closed_to_open_change(
    data: st.DataObject, zone: ZoneInfo, windows: tuple[WeeklyWindow, ...]
) -> None:
    at = data.draw(instants(zone))
    opening = next_opening(windows, at, zone)
    if opening is None or oracle_open(windows, at, zone):
        return
    assert opening > at and oracle_open(windows, opening, zone)
    assert not oracle_open(windows, opening - timedelta(seconds=1), zone)


@given(zone=ZONES, data=st.data())
def test_first_instant_is_the_first_reading_at_or_after(zone: ZoneInfo, data: st.DataObject) -> None:
    at = data.draw(instants(zone))
    wall = at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    first = first_instant(wall, zone)
    assert first.astimezone(zone).replace(tzinfo=None) >= wall
    assert (first - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None) < wall


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


FRI_NIGHT = parse_window(["fri"], "20:00-06:00")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 6, 5, 19, 59), False),  # Friday before the window  # noqa: DTZ001
        (datetime(2026, 6, 5, 20, 0), True),  # noqa: DTZ001
        (datetime(2026, 6, 6, 5, 59), True),  # Saturday morning: still Friday's window  # noqa: DTZ001
        (datetime(2026, 6, 6, 6, 0), False),  # noqa: DTZ001
        (datetime(2026, 6, 6, 21, 0), False),  # Saturday night: no window  # noqa: DTZ001
        (datetime(2026, 6, 5, 2, 0), False),  # Friday early: Thursday had no window  # noqa: DTZ001
    ],
)
def test_a_window_crossing_midnight_belongs_to_its_start_day(local: datetime, expected: bool) -> None:
    assert is_open((FRI_NIGHT,), local.replace(tzinfo=BERLIN), BERLIN) is expected


def test_a_window_ending_in_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    # Berlin, 29 March 2026: 02:00 CET is followed by 03:00 CEST (01:00 UTC).
    window = (parse_window(["sat"], "22:00-02:30"),)
    assert open_until(window, _utc(2026, 3, 28, 23), BERLIN) == _utc(2026, 3, 29, 1)
    inside_gap = (parse_window(["sun"], "02:15-02:45"),)
    assert not any(
        is_open(inside_gap, _utc(2026, 3, 29, 0) + timedelta(minutes=m), BERLIN) for m in range(180)
    )


def test_the_repeated_hour_counts_once() -> None:
    # Berlin, 25 October 2026: 02:00-03:00 runs twice, first CEST (00:00-01:00 UTC), then CET.
    early = (parse_window(["sun"], "01:00-02:30"),)
    assert open_until(early, _utc(2026, 10, 25, 0, 10), BERLIN) == _utc(2026, 10, 25, 0, 30)
    assert not is_open(early, _utc(2026, 10, 25, 1, 10), BERLIN)  # 02:10 again, CET
    late = (parse_window(["sun"], "02:30-04:00"),)
    assert is_open(late, _utc(2026, 10, 25, 1, 10), BERLIN)  # already opened at the first 02:30
    overnight = (parse_window(["sat"], "20:00-03:00"),)
    assert open_until(overnight, _utc(2026, 10, 24, 21), BERLIN) == _utc(2026, 10, 25, 2)  # 03:00 CET


def test_back_to_back_windows_close_at_the_end_of_the_last() -> None:
    windows = (parse_window(["fri"], "20:00-24:00"), parse_window(["sat"], "00:00-06:00"))
    friday_night = datetime(2026, 6, 5, 21, 0, tzinfo=NEW_YORK)
    assert open_until(windows, friday_night, NEW_YORK) == datetime(2026, 6, 6, 6, 0, tzinfo=NEW_YORK)
    assert open_until((parse_window(None, None),), friday_night, NEW_YORK) is None


def test_a_stretch_of_many_back_to_back_windows_still_closes() -> None:
    # Two windows alternating twice a day, every day but Thursday: from Saturday the stretch runs
    # eleven occurrences to Thursday 03:45 (counting occurrences, it was taken for "open all week",
    # so a local list entry never expired and a station admitted the card on Thursday).
    windows = (
        parse_window(["mon", "tue", "wed", "fri", "sat", "sun"], "12:15-03:45"),
        parse_window(["mon", "tue", "wed", "sat", "sun"], "03:45-12:15"),
    )
    saturday = datetime(2025, 10, 25, 2, 0, tzinfo=BERLIN)
    thursday = datetime(2025, 10, 30, 3, 45, tzinfo=BERLIN)
    assert open_until(windows, saturday, BERLIN) == thursday
    assert not is_open(windows, datetime(2025, 10, 31, 0, 30, tzinfo=BERLIN), BERLIN)  # thu's night


@pytest.mark.parametrize(
    ("days", "hours", "path"),
    [
        (["mon", "funday"], "20:00-06:00", "g.days[1]"),
        ([], "20:00-06:00", "g.days"),
        (["mon"], "20:00", "g.hours"),
        (["mon"], "25:00-06:00", "g.hours"),
        (["mon"], "08:00-08:00", "g.hours"),
        (["mon"], "24:00-06:00", "g.hours"),
    ],
)
def test_bad_windows_name_their_path(days: list[str], hours: str, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_window(days, hours, "g")
    assert caught.value.path == path


def test_spellings() -> None:
    assert parse_window(["Monday", "tue"], "20:00-00:00") == WeeklyWindow(frozenset({0, 1}), 1200, 1440)
    assert parse_window(None, None) == WeeklyWindow(frozenset(range(7)), 0, 1440)
    assert date(2026, 6, 5).weekday() in FRI_NIGHT.days
