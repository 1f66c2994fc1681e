"""domain.keys.as_id: which texts name a database id."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from depotshare.domain.common.keys import MAX_ID, as_id


@given(st.integers(min_value=0, max_value=MAX_ID))
def test_a_decimal_id_in_range_is_read(n: int) -> None:
    assert as_id(str(n)) == n


@given(st.text(max_size=12))
def test_any_other_text_names_no_id_and_never_raises(text: str) -> None:
    value = as_id(text)
    if value is not None:
        assert text.isascii() and str(int(text)) == text.lstrip("0").rjust(1, "0") and value <= MAX_ID


def test_edges() -> None:
    assert [as_id(t) for t in ("²", "", "-1", str(MAX_ID + 1), "12345678901", " 7")] == [None] * 6
