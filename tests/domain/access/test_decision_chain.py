"""The decision log's hash chain as properties: an untampered chain verifies; changing any one
field of any entry, deleting an entry, or swapping two entries is found at the first broken link."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from depotshare.domain.access.decision_chain import GENESIS, LogEntry, canonical, chained, entry_hash, verify

IDS = st.none() | st.integers(1, 2**31 - 1)
TEXT = st.none() | st.text(max_size=30)
ENTRIES = st.builds(
    LogEntry,
    location_id=st.just(7),
    # hypothesis takes naive bounds and attaches the zone itself.
    at=st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    station_id=IDS,
    evse_id=IDS,
    id_token=TEXT,
    token_id=IDS,
    token_org_id=IDS,
    partner_org_id=IDS,
    grant_id=IDS,
    decision=st.sampled_from(["Accepted", "Invalid", "Blocked", "NotAtThisTime", "ConcurrentTx"]),
    reason=TEXT,
    source=st.sampled_from(["Authorize", "Start", "Remote", "LocalList"]),
)


def chain(entries: list[LogEntry]) -> list[LogEntry]:
    out: list[LogEntry] = []
    for entry in entries:
        out.append(chained(entry, out[-1].hash if out else GENESIS))
    return out


CHAINS = st.lists(ENTRIES, min_size=1, max_size=8).map(chain)
FIELDS = [f.name for f in fields(LogEntry)]


def other_value(entry: LogEntry, name: str) -> object:
    """A value for field `name` that differs from the entry's."""
    current = getattr(entry, name)
    if name == "at":
        return current + timedelta(microseconds=1)
    if name in ("prev_hash", "hash"):
        return ("f" if current[:1] != "f" else "e") + current[1:]
    if isinstance(current, int):
        return current + 1
    if isinstance(current, str):
        return current + "x"
    return 1 if name.endswith("_id") else "x"  # None -> a value


@given(CHAINS)
def test_an_untampered_chain_verifies(entries: list[LogEntry]) -> None:
    assert verify(entries) is None
    assert verify(entries, head=entries[-1].hash) is None
    assert verify([]) is None


@given(CHAINS, st.data())
def test_any_single_field_changed_is_found(entries: list[LogEntry], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(entries) - 1))
    name = data.draw(st.sampled_from(FIELDS))
    tampered = list(entries)
    tampered[i] = replace(entries[i], **{name: other_value(entries[i], name)})
    assert verify(tampered) == i


@given(CHAINS, st.data())
def test_a_changed_entry_with_a_recomputed_hash_breaks_the_next_link(
    entries: list[LogEntry], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(entries) - 1))
    # (A changed location_id is caught where it is: test_an_entry_of_another_location_is_found.)
    name = data.draw(st.sampled_from([n for n in FIELDS if n not in ("prev_hash", "hash", "location_id")]))
    forged = replace(entries[i], **{name: other_value(entries[i], name)})
    tampered = [*entries[:i], chained(forged, forged.prev_hash), *entries[i + 1 :]]
    expected = i + 1 if i + 1 < len(entries) else None
    assert verify(tampered) == expected
    # The forged tail is only caught against the head recorded before the change.
    assert verify(tampered, head=entries[-1].hash) == (expected if expected is not None else len(entries))


@given(CHAINS, st.data())
def test_a_deleted_entry_is_found(entries: list[LogEntry], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(entries) - 1))
    shorter = entries[:i] + entries[i + 1 :]
    if i < len(entries) - 1:
        assert verify(shorter) == i
    else:
        assert verify(shorter) is None  # a truncated tail is a valid shorter chain ...
        assert verify(shorter, head=entries[-1].hash) == len(shorter)  # ... unless the head is known


@given(CHAINS.filter(lambda c: len(c) >= 2), st.data())
def test_reordered_entries_are_found(entries: list[LogEntry], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(entries) - 2))
    j = data.draw(st.integers(i + 1, len(entries) - 1))
    swapped = list(entries)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert verify(swapped) == i


def test_an_entry_of_another_location_is_found() -> None:
    first = chained(LogEntry(7, datetime(2026, 3, 1, 2, 10, tzinfo=UTC), 1, 1, "04AA", 3, 4, 5, 6, "Accepted", None, "Authorize"), GENESIS)  # fmt: skip
    other = chained(replace(first, location_id=8), first.hash)
    assert verify([first, other]) == 1


def test_the_serialisation_is_stable() -> None:
    """Same instant, any offset: same bytes. This text is what the stored hashes cover; changing
    it invalidates every chain, so it is pinned here."""
    at = datetime(2026, 3, 1, 3, 10, tzinfo=timezone(timedelta(hours=1)))
    entry = LogEntry(7, at, 1, None, "5A1F7001", 3, 4, 5, 6, "NotAtThisTime", "outside window", "Authorize")
    assert canonical(entry) == canonical(replace(entry, at=at.astimezone(UTC)))
    assert canonical(entry) == (
        b'{"at":"2026-03-01T02:10:00.000000Z","decision":"NotAtThisTime","evse_id":null,'
        b'"grant_id":6,"id_token":"5A1F7001","location_id":7,"partner_org_id":5,'
        b'"prev_hash":"' + GENESIS.encode() + b'","reason":"outside window","source":"Authorize",'
        b'"station_id":1,"token_id":3,"token_org_id":4}'
    )
    assert len(entry_hash(entry)) == 64
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical(replace(entry, at=datetime(2026, 3, 1)))  # noqa: DTZ001
