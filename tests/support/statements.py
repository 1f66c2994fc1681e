"""Counting the SQL statements a piece of work sends, for the hot-path tests: a fixed small
bound per message or page, so a change that queries once per row fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements sent through `engine` while the block runs (an executemany counts once:
    it is one round trip of the driver). Transaction control (BEGIN, COMMIT) is not counted."""
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
