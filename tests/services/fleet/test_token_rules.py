"""Invariants of the token identity rules (domain/fleet/tokens.py): a canonical uid is a fixed
point, separators and letter case never change what a card is, and bad input is always an
InvalidInput naming the path it was given."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.fleet.tokens import (
    MAX_GROUP_ID_LENGTH,
    MAX_UID_LENGTH,
    TokenType,
    check_group_id,
    check_validity,
    normalise_uid,
)

types = st.sampled_from(list(TokenType))
paths = st.sampled_from(["uid", "tokens[3].uid", "body.uid"])
# Mostly card-like text, with enough of everything else to hit the edges.
uid_text = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF:- ", max_size=30),
    st.text(alphabet=st.characters(codec="ascii"), max_size=40),
    st.text(max_size=40),
)
SEPARATORS = [" ", ":", "-", "\t"]
# Whole card uids (hex bytes), so that properties over valid uids are not starved by filtering.
card_uids = st.lists(st.sampled_from([f"{b:02X}" for b in range(256)]), min_size=4, max_size=10).map("".join)


def _attempt(uid: str, kind: TokenType) -> str | None:
    try:
        return normalise_uid(uid, kind)
    except InvalidInput:
        return None


@st.composite
def respelled(draw: st.DrawFn, text: str) -> str:
    """`text` with the case of ASCII letters flipped at random and separators inserted."""
    out = []
    for ch in text:
        if ch.isascii() and ch.isalpha() and draw(st.booleans()):
            ch = ch.swapcase()
        out.append(draw(st.sampled_from(["", "", *SEPARATORS])) + ch)
    return "".join(out) + draw(st.sampled_from(["", *SEPARATORS]))


@given(st.one_of(card_uids, uid_text), types)
def test_normalising_is_idempotent(uid: str, kind: TokenType) -> None:
    once = _attempt(uid, kind)
    assume(once is not None)
    assert once is not None
    assert normalise_uid(once, kind) == once


@given(uid_text, types, paths)
def test_bad_uids_raise_invalid_input_naming_the_path(uid: str, kind: TokenType, path: str) -> None:
    try:
        value = normalise_uid(uid, kind, path)
    except InvalidInput as e:
        assert e.path == path
        assert e.detail.startswith(f"{path}: ")
        return
    assert 1 <= len(value) <= MAX_UID_LENGTH
    assert re.fullmatch(r"[\x21-\x7e]+", value)
    if kind is TokenType.RFID:
        assert re.fullmatch(r"(?:[0-9A-F]{2}){4,10}", value)


@given(st.data(), uid_text, st.sampled_from([TokenType.RFID, TokenType.EMAID]))
def test_separators_and_case_never_change_the_result(data: st.DataObject, uid: str, kind: TokenType) -> None:
    other = data.draw(respelled(uid))
    assert _attempt(other, kind) == _attempt(uid, kind)


@given(st.data(), st.binary(min_size=4, max_size=10))
def test_every_spelling_of_a_card_is_the_same_card(data: st.DataObject, raw: bytes) -> None:
    canonical = raw.hex().upper()
    assert normalise_uid(canonical, TokenType.RFID) == canonical
    assert normalise_uid(data.draw(respelled(raw.hex())), TokenType.RFID) == canonical
    assert normalise_uid(":".join(f"{b:02x}" for b in raw), TokenType.RFID) == canonical


@given(st.one_of(st.none(), st.text(max_size=30)), paths)
def test_group_ids_are_checked_and_stable(group: str | None, path: str) -> None:
    try:
        value = check_group_id(group, path)
    except InvalidInput as e:
        assert e.path == path
        return
    if group is None:
        assert value is None
        return
    assert value is not None and 1 <= len(value) <= MAX_GROUP_ID_LENGTH
    assert check_group_id(value, path) == value


def test_a_group_id_longer_than_ocpp_allows_is_refused() -> None:
    assert check_group_id("G" * MAX_GROUP_ID_LENGTH) == "G" * MAX_GROUP_ID_LENGTH
    with pytest.raises(InvalidInput) as e:
        check_group_id("G" * (MAX_GROUP_ID_LENGTH + 1), "tokens[1].group")
    assert e.value.path == "tokens[1].group"


@given(st.none() | st.dates(), st.none() | st.dates())
def test_validity_refuses_only_an_end_before_the_start(start: date | None, end: date | None) -> None:
    backwards = start is not None and end is not None and end < start
    try:
        check_validity(start, end, "tokens[0].valid_until")
    except InvalidInput as e:
        assert backwards and e.path == "tokens[0].valid_until"
        return
    assert not backwards


@pytest.mark.parametrize("trick", ["04a2b3\ufb00", "04A2B3C\u0131", "\uff10\uff14A2B3C4"])
def test_non_ascii_lookalikes_are_not_hex(trick: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_uid(trick, TokenType.RFID)


def test_case_folding_does_not_admit_non_ascii_emaids() -> None:
    for spelling in ("de\xdf8aa", "DE\u1e9e8AA"):
        with pytest.raises(InvalidInput):
            normalise_uid(spelling, TokenType.EMAID)


def test_only_ascii_white_space_is_trimmed() -> None:
    # "\x1f" is white space to str.strip() but no separator: it must not vanish at one end only.
    assert _attempt("\r\x1f0", TokenType.EMAID) is None
    assert _attempt("\r:\x1f0", TokenType.EMAID) is None
    assert normalise_uid(" \t04a2b3c4\n", TokenType.RFID) == "04A2B3C4"
