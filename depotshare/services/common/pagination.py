"""Keyset pagination: stable under inserts, cheap on large tables (no OFFSET, no COUNT)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from depotshare.domain.common.errors import InvalidInput
from depotshare.domain.common.keys import as_id

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    after = as_id(cursor)
    if after is None:
        raise InvalidInput("cursor", "not a cursor returned by this API")
    return after


def page_of(rows: Sequence[R], limit: int, key: Callable[[R], int | str], view: Callable[[R], T]) -> Page[T]:
    """`rows` were fetched with limit + 1 so we know whether another page follows; `key` gives the
    cursor of a row (an id, or a time cursor)."""
    more = len(rows) > limit
    kept = rows[:limit]
    return Page([view(r) for r in kept], str(key(kept[-1])) if more and kept else None)
