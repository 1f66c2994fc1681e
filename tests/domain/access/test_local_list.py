"""Local Authorization Lists: the desired list is exactly what the engine admits at the station,
ranked and cut to the station's size; the planned messages turn any confirmed list into the
desired one within the station's limits; the list holds until the instant `next_change` names."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case

from depotshare.domain.access.engine import decide
from depotshare.domain.access.facts import SiteFacts, TokenFacts
from depotshare.domain.access.local_list import (
    MESSAGE_OVERHEAD_BYTES,
    Entry,
    ListLimits,
    Removal,
    apply,
    chunks,
    desired_list,
    diff,
    entry_bytes,
    fingerprint,
    next_change,
    plan,
)
from depotshare.domain.access.offline import offline_grants, station_site
from depotshare.domain.charging.commands import SendLocalList
from depotshare.ocpp.commands import translate_v16, translate_v201
from tests.domain.access.test_engine import (
    CCS,
    CHADEMO,
    FRIENDLY_TOKENS,
    TOKENS,
    StationWorld,
    station_worlds,
)

UIDS = st.text("0123456789ABCDEF", min_size=8, max_size=20)
NAMED_TOKENS = st.lists(st.tuples(UIDS, TOKENS | FRIENDLY_TOKENS), max_size=8, unique_by=lambda t: t[0]).map(
    lambda pairs: [replace(t, uid=uid, type="RFID") for uid, t in pairs]
)
WORLDS = station_worlds(NAMED_TOKENS)
INSTANTS = st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC))  # noqa: DTZ001
ENTRIES = st.builds(
    Entry,
    id_token=st.text("0123456789ABCDEF", min_size=8, max_size=20)
    | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=36),
    token_type=st.sampled_from([None, "RFID", "APP", "KEY_CODE", "EMAID", "OTHER"]),
    expires_at=st.none() | INSTANTS,
    group=st.none() | st.text("ABCDEFGH-._0123456789", min_size=1, max_size=20),
    charging_priority=st.none() | st.integers(-9, 9),
)
LISTS = st.lists(ENTRIES, max_size=25, unique_by=lambda e: e.id_token).map(
    lambda es: {e.id_token: e for e in es}
)
LIMITS = st.builds(
    ListLimits,
    max_entries=st.none() | st.integers(0, 30),
    items_per_message=st.none() | st.integers(1, 7),
    bytes_per_message=st.none() | st.integers(MESSAGE_OVERHEAD_BYTES + 400, 3000),
)


@settings(max_examples=120)
@given(
    world=WORLDS,
    evse=st.sampled_from([1, 2]),
    standards=st.sampled_from([frozenset({CCS}), frozenset({CHADEMO})]),
)
def test_the_list_is_exactly_what_the_engine_admits_at_the_station(
    world: StationWorld, evse: int, standards: frozenset[str]
) -> None:
    tokens, site, at, gs, ps = world
    desired = desired_list(tokens, site, at, gs, ps)
    for token in tokens:
        offline = decide(token, station_site(site), at, offline_grants(gs), ps)
        listed = desired.entries.get(token.uid or "")
        assert (listed is not None) == offline.accepted, offline.reason
        if listed is None:
            continue
        assert (listed.expires_at, listed.group) == (offline.expires_at, token.group)
        assert listed.charging_priority == offline.charging_priority
        # Listed: the engine admits it online on any EVSE and connector of the station too.
        plugged = replace(site, evse_id=evse, connector_standards=standards)
        assert decide(token, plugged, at, gs, ps).accepted
    assert desired.admitted == len(desired.entries) and not desired.left_out


@settings(max_examples=100)
@given(world=WORLDS, most=st.integers(0, 4))
def test_a_small_station_keeps_the_most_important_tokens(world: StationWorld, most: int) -> None:
    tokens, site, at, gs, ps = world
    whole = desired_list(tokens, site, at, gs, ps)
    cut = desired_list(tokens, site, at, gs, ps, max_entries=most)
    assert len(cut.entries) == min(most, len(whole.entries))
    assert set(cut.entries) | set(cut.left_out) == set(whole.entries)
    kept = [e.charging_priority or 0 for e in cut.entries.values()]
    dropped = [whole.entries[uid].charging_priority or 0 for uid in cut.left_out]
    assert not kept or not dropped or min(kept) >= max(dropped)


def test_ids_too_long_for_the_protocol_are_not_listed() -> None:
    token = TokenFacts("active", "/1/2/", uid="X" * 21, type="APP")
    site = SiteFacts("/1/2/", "Europe/Berlin", location_id=10, station_id=100)
    at = datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert desired_list([token], site, at, [], [], max_id_length=20).unlistable == ("X" * 21,)
    assert "X" * 21 in desired_list([token], site, at, [], [], max_id_length=36).entries


@settings(max_examples=150)
@given(old=st.none() | LISTS, new=LISTS, version=st.integers(0, 1000), limits=LIMITS, full=st.booleans())
def test_the_planned_messages_turn_the_old_list_into_the_new_one_within_the_limits(
    old: dict[str, Entry] | None, new: dict[str, Entry], version: int, limits: ListLimits, full: bool
) -> None:
    messages = plan(old, new, version, limits, full=full)
    held = dict(old or {})
    for i, message in enumerate(messages):
        assert message.version == version + 1 + i
        assert message.full == (i == 0 and (old is None or full or messages[0].full))
        if limits.items_per_message:
            assert len(message.changes) <= limits.items_per_message
        if limits.bytes_per_message:
            size = MESSAGE_OVERHEAD_BYTES + sum(entry_bytes(c) + 1 for c in message.changes)
            assert size <= limits.bytes_per_message or len(message.changes) == 1
        if message.full:
            assert all(isinstance(c, Entry) for c in message.changes)
        held = apply(held, message)
    assert held == new
    if old is not None and not full:
        changes = diff(old, new)
        assert messages == [] if not changes else messages[0].full == (len(changes) > len(new))
        assert apply(old, replace(messages[0], changes=tuple(changes))) == new if changes else True


@given(new=LISTS)
def test_an_empty_or_unknown_list_gets_a_full_update(new: dict[str, Entry]) -> None:
    messages = plan(None, new, 3)
    assert messages[0].full and messages[0].version == 4
    assert plan(new, new, 3) == []
    assert fingerprint(new) == fingerprint(dict(reversed(list(new.items()))))


@settings(max_examples=120)
@given(
    changes=st.lists(
        ENTRIES | ENTRIES.map(lambda e: Removal(e.id_token, e.token_type)), min_size=1, max_size=6
    )
)
def test_the_byte_estimate_bounds_the_real_frames_of_both_versions(changes: list[Entry | Removal]) -> None:
    """What chunking counts is at least what the gateway sends, in 1.6 and in 2.0.1."""
    command = SendLocalList(2_147_483_647, False, tuple(changes))
    estimate = MESSAGE_OVERHEAD_BYTES + sum(entry_bytes(c) + 1 for c in changes)
    for translate in (translate_v16, translate_v201):
        payload = snake_to_camel_case(remove_nones(serialize_as_dict(translate(command))))
        frame = json.dumps([2, "x" * 36, "SendLocalList", payload], separators=(",", ":"))
        assert len(frame.encode()) <= estimate


@settings(max_examples=100)
@given(world=WORLDS, fraction=st.floats(0, 1, exclude_max=True))
def test_the_list_holds_until_its_next_change(world: StationWorld, fraction: float) -> None:
    tokens, site, at, gs, ps = world
    desired = desired_list(tokens, site, at, gs, ps)
    until = next_change(desired, tokens, site, at, gs, ps) or at + timedelta(days=60)
    assert until > at
    moment = min(at + (until - at) * fraction, until - timedelta(microseconds=1))
    assert desired_list(tokens, site, moment, gs, ps).entries == desired.entries


def test_chunks_send_an_oversized_entry_alone() -> None:
    big = Entry("A" * 36, group="G" * 20)
    parts = chunks([big, big], ListLimits(bytes_per_message=MESSAGE_OVERHEAD_BYTES + 10))
    assert parts == [[big], [big]]
