"""Every problem of an import file at once, each naming its path (`tokens[3].uid: ...`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from depotshare.domain.common.errors import InvalidInput

T = TypeVar("T")
MAX_LISTED = 25


class ImportErrors(InvalidInput):
    """An invalid import file. `path` and `reason` are the first problem; `errors` holds them all."""

    def __init__(self, errors: list[InvalidInput]) -> None:
        if not errors:
            raise ValueError("ImportErrors needs at least one error")
        super().__init__(errors[0].path, errors[0].reason)
        self.errors = list(errors)
        lines = [e.detail for e in errors[:MAX_LISTED]]
        if len(errors) > MAX_LISTED:
            lines.append(f"... and {len(errors) - MAX_LISTED} more problems")
        self.detail = "\n".join(lines)
        self.args = (self.detail,)


class Problems:
    """Collects InvalidInput while checking goes on, then raises them together."""

    def __init__(self) -> None:
        self.found: list[InvalidInput] = []

    def add(self, path: str, detail: str) -> None:
        self.found.append(InvalidInput(path, detail))

    def check(self, rule: Callable[[], T], fallback: T, prefix: str = "") -> T:
        """The value `rule` returns, or `fallback` after noting the problem it raised (its path
        put under `prefix` for rules that do not take a path)."""
        try:
            return rule()
        except InvalidInput as e:
            self.found.append(InvalidInput(f"{prefix}.{e.path}", e.reason) if prefix else e)
            return fallback

    def raise_if_any(self) -> None:
        if self.found:
            raise ImportErrors(self.found)
