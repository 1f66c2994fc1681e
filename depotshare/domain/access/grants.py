"""Partnerships and access grants as facts: who (a partner org subtree or a token group) may
charge where (locations, stations, EVSEs), when (validity, weekly windows), within which limits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from depotshare.domain.access.facts import SiteFacts, TokenFacts
from depotshare.domain.access.windows import WeeklyWindow
from depotshare.domain.orgs.tree import is_within

IMPLICIT_INTERNAL_KEY = "internal"
# OCPP 2.0.1 chargingPriority: -9..9, 0 the default, higher is more important.
MAX_CHARGING_PRIORITY = 9
MIN_CHARGING_PRIORITY = -9


class PartnershipStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class GrantStatus(enum.StrEnum):
    """A suspended grant is refused at the next authorisation; running sessions go on."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class PartnershipFacts:
    id: int
    host_org_path: str  # owns the location or is an ancestor of its owner
    partner_org_path: str  # the partner with all its sub-organisations
    status: PartnershipStatus = PartnershipStatus.ACTIVE
    valid_from: date | None = None  # inclusive local days of the location
    valid_until: date | None = None
    key: str | None = None


@dataclass(frozen=True)
class Subject:
    """Tokens of the organisation subtree at `org_path`; with `group`, only that token group."""

    org_path: str
    group: str | None = None

    def covers(self, token: TokenFacts) -> bool:
        return is_within(token.org_path, self.org_path) and (self.group is None or token.group == self.group)


@dataclass(frozen=True)
class Scope:
    location_ids: frozenset[int] = frozenset()
    station_ids: frozenset[int] = frozenset()
    evses: frozenset[tuple[int, int]] = frozenset()  # (station id, EVSE id)
    everywhere: bool = False  # the whole location the decision is about (implicit internal grant)

    def covers(self, site: SiteFacts) -> bool:
        """A request naming no EVSE is covered by a grant for some EVSE of its station: a 1.6
        Authorize does not say where the driver will plug in, and the start, which does, is
        decided again."""
        if self.everywhere:
            return True
        if site.location_id is not None and site.location_id in self.location_ids:
            return True
        if site.station_id is None:
            return False
        if site.station_id in self.station_ids:
            return True
        if site.evse_id is None:
            return any(station == site.station_id for station, _ in self.evses)
        return (site.station_id, site.evse_id) in self.evses

    @property
    def whole_stations(self) -> Scope:
        """The scope without its single EVSEs: what a station-wide offline list may admit."""
        return Scope(self.location_ids, self.station_ids, everywhere=self.everywhere)


@dataclass(frozen=True)
class Limits:
    max_concurrent: int | None = None  # sessions of the partner at the location
    max_power_kw: Decimal | None = None
    connector_standards: frozenset[str] = frozenset()  # empty: any standard

    def allows_connector(self, standards: frozenset[str]) -> bool:
        """Unknown standards (no EVSE named) pass; an EVSE passes when one of its connectors does."""
        return not self.connector_standards or not standards or bool(standards & self.connector_standards)


@dataclass(frozen=True)
class Grant:
    """`partnership_id` None: an explicit grant of the location's owner to its own fleet, which
    replaces the implicit internal grant at that location."""

    id: int | None
    key: str
    subject: Subject
    scope: Scope
    partnership_id: int | None = None
    valid_from: date | None = None  # inclusive local days of the location
    valid_until: date | None = None
    windows: tuple[WeeklyWindow, ...] = ()  # empty: at any time
    limits: Limits = Limits()
    priority: int = 1  # class 1..n, 1 the highest (the internal fleet)
    suspended: bool = False  # refused at the next authorisation; running sessions go on

    @property
    def internal(self) -> bool:
        return self.partnership_id is None


def implicit_internal_grant(site: SiteFacts) -> Grant:
    """The host's own fleet charges at its own location, any time, anywhere on it."""
    return Grant(None, IMPLICIT_INTERNAL_KEY, Subject(site.org_path), Scope(everywhere=True), priority=1)


def charging_priority(priority_class: int) -> int:
    """Class 1 -> 9, 2 -> 8, ... 10 -> 0 (the OCPP default), 19 and beyond -> -9."""
    return max(MIN_CHARGING_PRIORITY, min(MAX_CHARGING_PRIORITY, 10 - priority_class))
