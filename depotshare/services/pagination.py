"""Keyset pagination: stable under inserts, cheap on large tables (no OFFSET, no COUNT)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from depotshare.domain.errors import InvalidInput

T = TypeVar("T")
_MAX_ID = 2**31 - 1
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    # Ids are 32-bit on PostgreSQL; anything longer was not issued by us and would overflow the query.
    if not cursor.isdigit() or len(cursor) > 10 or int(cursor) > _MAX_ID:
        raise InvalidInput("cursor", "not a cursor returned by this API")
    return int(cursor)


def page_of(rows: Sequence[R], limit: int, key: Callable[[R], int], view: Callable[[R], T]) -> Page[T]:
    """`rows` were fetched with limit + 1 so we know whether another page follows."""
    more = len(rows) > limit
    kept = rows[:limit]
    return Page([view(r) for r in kept], str(key(kept[-1])) if more and kept else None)
