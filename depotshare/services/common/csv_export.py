"""CSV exports streamed from the API (access decisions, sessions): spreadsheet-safe cells, CRLF
lines, and the batch loop that reads each batch in a unit of work of its own (the response streams
after the request's unit of work has ended)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime

EXPORT_BATCH = 500
# A cell starting so is a formula to a spreadsheet (CSV injection): text gets a leading quote.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

K = TypeVar("K")


def cell(value: str | None) -> str:
    """Free text (a station's, a user's), kept from being read as a formula by a spreadsheet."""
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA) else value


def lines(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def stream(
    runtime: Runtime,
    header: Sequence[str],
    batch: Callable[[UnitOfWork, K | None, int], Awaitable[tuple[list[list[str]], K | None]]],
    size: int = EXPORT_BATCH,
) -> AsyncIterator[str]:
    """The header, then `batch(uow, after, size)` -> (rows, key to continue after) until a batch
    comes back shorter than `size`."""
    yield lines([list(header)])
    after: K | None = None
    while True:
        async with runtime.uow() as uow:
            rows, after = await batch(uow, after, size)
        if rows:
            yield lines(rows)
        if len(rows) < size:
            return
