"""A grant's windows are read by one parser: what the import and the API store is what the engine
reads back, and two spellings of one window are one window (the import matches unkeyed grants by
that normal form)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from depotshare.domain.access.grant_terms import GrantIn, check_grant, grant_values, windows_of
from depotshare.domain.access.windows import DAY_NAMES, parse_window
from depotshare.domain.common.errors import Problems

TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]


def _grant(**terms: object) -> GrantIn:
    return GrantIn.model_validate({"locations": ["depot"], **terms})


def _stored_read_back(grant: GrantIn) -> tuple[object, ...]:
    """The stored windows as the engine reads them (store/access/authorization.py)."""
    stored = grant_values(grant)["windows"]
    assert isinstance(stored, list)
    return tuple(parse_window(w["days"], f"{w['start']}-{w['end']}") for w in stored)


def test_midnight_and_24_00_are_one_end() -> None:
    late, midnight = _grant(days=["fri"], hours="20:00-24:00"), _grant(days=["fri"], hours="20:00-00:00")
    assert windows_of(late) == windows_of(midnight)
    assert (
        grant_values(late)["windows"]
        == grant_values(midnight)["windows"]
        == [{"days": ["fri"], "start": "20:00", "end": "24:00"}]
    )


def test_a_window_over_the_whole_week_is_any_time() -> None:
    assert windows_of(_grant(windows=[{"days": ["sat"]}, {"hours": "00:00-24:00"}])) == ()
    assert grant_values(_grant(days=list(DAY_NAMES)))["windows"] == []


@settings(max_examples=150)
@given(
    days=st.none() | st.lists(st.sampled_from(DAY_NAMES), min_size=1, unique=True),
    start=st.sampled_from(TIMES),
    end=st.sampled_from([*TIMES, "24:00"]),
)
def test_the_engine_reads_back_what_is_stored(days: list[str] | None, start: str, end: str) -> None:
    grant = _grant(days=days, hours=f"{start}-{end}")
    problems = Problems()
    check_grant(grant, "g", problems)
    if start == end:
        assert [p.path for p in problems.found] == ["g.hours"]
        return
    assert not problems.found
    assert _stored_read_back(grant) == windows_of(grant)


def test_window_problems_name_their_path() -> None:
    problems = Problems()
    check_grant(
        _grant(windows=[{"days": ["mon", "mon"]}, {"hours": "08:00-08:00"}, {"days": []}]), "g", problems
    )
    assert [(p.path, p.reason.split(";")[0]) for p in problems.found] == [
        ("g.windows[0].days[1]", "mon is given twice"),
        ("g.windows[1].hours", "an empty window"),
        ("g.windows[2].days", "name at least one day, or leave days out for every day"),
    ]
