"""What an access decision is made on and what it answers: the token, the place, the protocol-
neutral status, and the decision with the grant it used."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo


class AuthStatus(enum.StrEnum):
    """Protocol-neutral, spelled as OCPP 2.0.1 AuthorizationStatus (a superset of 1.6 idTagInfo
    status); each protocol adapter maps it to what its version can say."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    UNKNOWN = "Unknown"
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"
    NOT_AT_THIS_TIME = "NotAtThisTime"
    CONCURRENT_TX = "ConcurrentTx"
    NOT_ALLOWED_TYPE_EVSE = "NotAllowedTypeEVSE"
    NO_CREDIT = "NoCredit"


@dataclass(frozen=True)
class TokenFacts:
    status: str  # "active" | "blocked" (domain.fleet.tokens.TokenStatus)
    org_path: str  # materialised path of the token's organisation, e.g. "/1/7/"
    valid_from: date | None = None
    valid_until: date | None = None  # inclusive: the token works through that local day
    group: str | None = None  # 1.6 parentIdTag, 2.0.1 groupIdToken
    uid: str | None = None
    type: str | None = None  # domain.fleet.tokens.TokenType
    id: int | None = None


@dataclass(frozen=True)
class SiteFacts:
    """Where the request is made. `evse_id` and `connector_standards` are unknown (None, empty)
    for requests that name no EVSE, such as a 1.6 Authorize."""

    org_path: str  # the path of the organisation owning the station's location
    timezone: str = "UTC"
    location_id: int | None = None
    station_id: int | None = None
    evse_id: int | None = None
    connector_standards: frozenset[str] = frozenset()  # of the requested EVSE, e.g. IEC_62196_T2_COMBO
    publish: bool = False
    location_key: str | None = None


@dataclass(frozen=True)
class OpenSession:
    """A running session, counted against concurrency limits at its location."""

    location_id: int
    token_org_path: str


@dataclass(frozen=True)
class Decision:
    status: AuthStatus
    reason: str
    expires_at: datetime | None = None  # accepted: when a station must ask again
    group: str | None = None  # the token's group (1.6 parentIdTag, 2.0.1 groupIdToken)
    grant_id: int | None = None  # None with the implicit internal grant
    grant_key: str | None = None  # the grant used (accepted) or that came closest (refused)
    partnership_id: int | None = None
    charging_priority: int | None = None  # OCPP 2.0.1 -9..9, higher is more important
    max_power_kw: Decimal | None = None

    @property
    def accepted(self) -> bool:
        return self.status is AuthStatus.ACCEPTED


def validity_end(valid_until: date | None, timezone: str) -> datetime | None:
    """The first instant after the last valid local day, as an aware datetime."""
    if valid_until is None:
        return None
    return datetime.combine(valid_until + timedelta(days=1), time(0), ZoneInfo(timezone))


def within_days(day: date, valid_from: date | None, valid_until: date | None) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)
