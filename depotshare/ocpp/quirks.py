"""What real stations send that the spec does not quite allow, accepted in one place."""

from __future__ import annotations

from datetime import UTC, datetime

from depotshare.domain.common.errors import InvalidInput


def parse_timestamp(value: str | None, default: datetime | None = None, path: str = "timestamp") -> datetime:
    """An OCPP dateTime as aware UTC. Stations without a time zone in their clock send local-less
    times ("2026-01-01T10:00:00"): read as UTC, which is what the spec means. Absent: `default`."""
    if value is None:
        if default is None:
            raise InvalidInput(path, "a date-time is required")
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(path, f"not an ISO 8601 date-time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(at: datetime) -> str:
    """A dateTime as stations parse it best: UTC with a Z and milliseconds."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
