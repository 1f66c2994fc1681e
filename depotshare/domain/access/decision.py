"""The access rule for a token at a station. Pure: the facts come in, a decision with its reason
comes out. The partner-access rules replace `decide`; the call in services/authorization.py stays."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
    NO_CREDIT = "NoCredit"


@dataclass(frozen=True)
class TokenFacts:
    status: str  # "active" | "blocked" (domain.fleet.tokens.TokenStatus)
    org_path: str  # materialised path of the token's organisation, e.g. "/1/7/"
    valid_from: date | None = None
    valid_until: date | None = None  # inclusive: the token works through that local day
    group: str | None = None


@dataclass(frozen=True)
class SiteFacts:
    org_path: str  # the path of the organisation owning the station's location
    timezone: str = "UTC"


@dataclass(frozen=True)
class Decision:
    status: AuthStatus
    reason: str
    expires_at: datetime | None = None  # end of the token's validity, if it has one
    group: str | None = None  # the token's group (1.6 parentIdTag, 2.0.1 groupIdToken)

    @property
    def accepted(self) -> bool:
        return self.status is AuthStatus.ACCEPTED


def validity_end(valid_until: date | None, timezone: str) -> datetime | None:
    """The first instant after the token's last valid local day, as an aware datetime."""
    if valid_until is None:
        return None
    return datetime.combine(valid_until + timedelta(days=1), time(0), ZoneInfo(timezone))


def decide(token: TokenFacts | None, site: SiteFacts, at: datetime) -> Decision:
    """A known, active token within its validity (in the location's local days) whose organisation
    lies in the subtree of the station's owner is accepted; everything else is refused with why."""
    if token is None:
        return Decision(AuthStatus.UNKNOWN, "unknown token")
    expires_at = validity_end(token.valid_until, site.timezone)

    def refuse(status: AuthStatus, reason: str) -> Decision:
        return Decision(status, reason, expires_at, token.group)

    if token.status != "active":
        return refuse(AuthStatus.BLOCKED, "token is blocked")
    local_day = at.astimezone(ZoneInfo(site.timezone)).date()
    if token.valid_from is not None and local_day < token.valid_from:
        return refuse(AuthStatus.EXPIRED, f"token not valid before {token.valid_from.isoformat()}")
    if token.valid_until is not None and local_day > token.valid_until:
        return refuse(AuthStatus.EXPIRED, f"token expired after {token.valid_until.isoformat()}")
    if not token.org_path.startswith(site.org_path):
        return refuse(AuthStatus.NOT_AT_THIS_LOCATION, "not allowed at this location")
    return Decision(AuthStatus.ACCEPTED, "token of the station owner's organisation", expires_at, token.group)
