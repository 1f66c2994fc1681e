"""What the import format adds to the partner-access entries of domain/access (tariffs,
partnerships, grants): the `internal_grants` entry, a grant's content (its normal form: the
import matches grants without a key by it, so a re-import of the same file, however it spells a
window, changes nothing) and the file's hints for the patterns those entries use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from depotshare.domain.access.grant_terms import HOURS_PATTERN, GrantIn, scope_of, windows_of
from depotshare.domain.access.tariffs import CURRENCY_PATTERN, TIME_PATTERN
from depotshare.domain.access.windows import WeeklyWindow
from depotshare.domain.common.inputs import Entry, Key


class _InternalHolder(Entry):
    host: Key  # the organisation whose own fleet and places the grant shapes
    subject: Key | None = None  # whose tokens: an organisation in the host's subtree; default the host


class InternalGrantIn(GrantIn, _InternalHolder):
    """An explicit internal grant: a host shapes its own fleet's access to its own places. Its
    fields are `host`, `subject`, then those of a partnership grant (in that order, for export)."""


@dataclass(frozen=True)
class GrantContent:
    """What a grant means, independent of how the file spells it."""

    key: str | None
    scope: tuple[str, frozenset[tuple[str, int | None]]]  # kind, {(location or station, evse)}
    group: str | None
    windows: tuple[WeeklyWindow, ...]
    valid_from: date | None
    valid_until: date | None
    priority: int
    max_concurrent: int | None
    max_power_kw: Decimal | None
    connector_standards: frozenset[str] | None
    status: str


def content(grant: GrantIn) -> GrantContent:
    kind, places = scope_of(grant)
    power = grant.max_power_kw.normalize() if grant.max_power_kw is not None else None
    standards = grant.connector_standards
    return GrantContent(
        grant.key,
        (kind, frozenset(places)),
        grant.group,
        windows_of(grant),
        grant.valid_from,
        grant.valid_until,
        grant.priority,
        grant.max_concurrent,
        power,
        frozenset(standards) if standards is not None else None,
        grant.status.value,
    )


PATTERN_HINTS = {
    TIME_PATTERN: "a time of day is HH:MM, 00:00 to 23:59, in quotes",
    HOURS_PATTERN: 'hours are HH:MM-HH:MM in the location\'s local time, e.g. "20:00-06:00" (the end may be 24:00)',
    CURRENCY_PATTERN: "a currency is an ISO 4217 code in capitals, e.g. EUR",
}
