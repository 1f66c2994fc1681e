"""What every list query shares: keyset pages in id order (stable under inserts, no OFFSET) and
the `q` search over a name and a lowercase key (an email, a slug)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func


def keyset(stmt: Select[Any], id_column: Any, after_id: int | None, limit: int) -> Select[Any]:
    """The rows of `stmt` after `after_id`, in id order, at most `limit`."""
    if after_id is not None:
        stmt = stmt.where(id_column > after_id)
    return stmt.order_by(id_column).limit(limit)


def name_or_key_contains(q: str, name_column: Any, key_column: Any) -> ColumnElement[bool]:
    """The name contains `q` in any case, or the key (kept in lowercase) contains it lowercased."""
    pattern = f"%{q.lower()}%"
    clause: ColumnElement[bool] = func.lower(name_column).like(pattern) | key_column.like(pattern)
    return clause
