"""Domain errors. They carry no transport detail; each adapter maps them in one table
(problem+json in api/errors.py, exit 2 in cli/__init__.py, CALLERROR in the OCPP gateway)."""

from __future__ import annotations


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
