"""Domain errors. They carry no transport detail; each adapter maps them in one table
(problem+json in api/errors.py, exit 2 in cli/__init__.py, CALLERROR in the OCPP gateway)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
MAX_LISTED = 25  # problems written out in one InvalidInputs' detail


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Absent, or not visible to the caller: the two are deliberately indistinguishable."""


class Forbidden(DomainError):
    """The caller may see the object but not do this to it."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate key, non-empty parent, cycle)."""


class InvalidInput(DomainError):
    """Input that breaks a rule; `path` names the offending field, e.g. `locations[0].stations[1].id`."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}" if path else detail)
        self.path = path
        self.reason = detail


class InvalidInputs(InvalidInput):
    """Several broken rules found in one pass (an import file, a request body). `path` and
    `reason` are the first problem's; `errors` holds them all."""

    def __init__(self, errors: list[InvalidInput]) -> None:
        if not errors:
            raise ValueError("InvalidInputs needs at least one error")
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
            raise InvalidInputs(self.found)


class Unauthenticated(DomainError):
    """No or bad credentials."""


class StationOffline(Conflict):
    """The station holds no connection to us, so a command cannot reach it."""


class StationTimeout(DomainError):
    """The station did not answer a command in time."""


class StationError(DomainError):
    """The station answered a command with a CALLERROR."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(
            f"the station answered {code}: {description}" if description else f"the station answered {code}"
        )
        self.code = code
