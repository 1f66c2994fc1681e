"""The access engine: one pure function decides every authorisation (the host's own fleet,
partners, group tokens) from frozen facts, with the most specific reason and the grant it used."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from depotshare.domain.access.facts import (
    AuthStatus,
    Decision,
    OpenSession,
    SiteFacts,
    TokenFacts,
    validity_end,
    within_days,
)
from depotshare.domain.access.grants import (
    Grant,
    PartnershipFacts,
    PartnershipStatus,
    charging_priority,
    implicit_internal_grant,
)
from depotshare.domain.access.windows import format_window, is_open, open_until
from depotshare.domain.orgs.tree import is_within


class Tier(enum.IntEnum):
    """How far a grant got before it refused: across grants the furthest refusal is the most
    specific one, so a driver hears what is actually in the way, not what another grant lacks."""

    NO_GRANT = 0
    PLACE = 1
    PARTNERSHIP = 2
    TIME = 3
    CONNECTOR = 4
    CONCURRENCY = 5


@dataclass(frozen=True)
class Refusal:
    tier: Tier
    status: AuthStatus
    reason: str
    grant: Grant


@dataclass(frozen=True)
class Admission:
    grant: Grant
    partnership: PartnershipFacts | None
    expires_at: datetime | None  # of the grant, its partnership and its current window


def decide(
    token: TokenFacts | None,
    site: SiteFacts,
    at: datetime,
    grants: Sequence[Grant] = (),
    partnerships: Sequence[PartnershipFacts] = (),
    open_sessions: Sequence[OpenSession] = (),
) -> Decision:
    """May `token` charge at `site` at `at`? `grants` are the grants of hosts of this location
    (others are ignored), `partnerships` those they belong to, `open_sessions` the running
    sessions (those at other locations are ignored). The order of reasons is in docs/access-rules.md."""
    if token is None:
        return Decision(AuthStatus.UNKNOWN, "unknown token")
    token_end = validity_end(token.valid_until, site.timezone)

    def refuse(status: AuthStatus, reason: str, grant: Grant | None = None) -> Decision:
        return Decision(
            status,
            reason,
            token_end,
            token.group,
            grant_id=grant.id if grant else None,
            grant_key=grant.key if grant else None,
            partnership_id=grant.partnership_id if grant else None,
        )

    if token.status != "active":
        return refuse(AuthStatus.BLOCKED, "token is blocked")
    zone = ZoneInfo(site.timezone)
    day = at.astimezone(zone).date()
    if token.valid_from is not None and day < token.valid_from:
        return refuse(AuthStatus.EXPIRED, f"token not valid before {token.valid_from.isoformat()}")
    if token.valid_until is not None and day > token.valid_until:
        return refuse(AuthStatus.EXPIRED, f"token expired after {token.valid_until.isoformat()}")
    candidates = applicable(token, site, grants, partnerships)
    if not candidates:
        return refuse(AuthStatus.NOT_AT_THIS_LOCATION, "not allowed at this location")
    outcomes = [evaluate(g, p, site, at, zone, day, open_sessions) for g, p in candidates]
    admissions = [o for o in outcomes if isinstance(o, Admission)]
    if admissions:
        return _accept(min(admissions, key=_preference), token, token_end)
    refusal = max(
        (o for o in outcomes if isinstance(o, Refusal)),
        key=lambda r: (r.tier, -r.grant.priority, r.grant.key),
    )
    return refuse(refusal.status, refusal.reason, refusal.grant)


def applicable(
    token: TokenFacts, site: SiteFacts, grants: Sequence[Grant], partnerships: Sequence[PartnershipFacts]
) -> list[tuple[Grant, PartnershipFacts | None]]:
    """The grants whose subject is this token, with their partnership. A grant counts only where
    its giver may give: a partnership of a host owning the location (or an ancestor of the
    owner) for a subject inside the partner; an internal grant for a subject inside the owner."""
    by_id = {p.id: p for p in partnerships}
    found: list[tuple[Grant, PartnershipFacts | None]] = []
    explicit_internal = False
    for grant in grants:
        if grant.internal:
            if not is_within(grant.subject.org_path, site.org_path):
                continue
            explicit_internal = True
            if grant.subject.covers(token):
                found.append((grant, None))
            continue
        partnership = by_id.get(grant.partnership_id) if grant.partnership_id is not None else None
        if (
            partnership is not None
            and is_within(site.org_path, partnership.host_org_path)
            and is_within(grant.subject.org_path, partnership.partner_org_path)
            and grant.subject.covers(token)
        ):
            found.append((grant, partnership))
    if not explicit_internal and is_within(token.org_path, site.org_path):
        found.append((implicit_internal_grant(site), None))
    return found


def evaluate(
    grant: Grant,
    partnership: PartnershipFacts | None,
    site: SiteFacts,
    at: datetime,
    zone: ZoneInfo,
    day: date,
    open_sessions: Sequence[OpenSession],
) -> Admission | Refusal:
    """One grant against the request, its checks in the order of increasing specificity."""
    if not grant.scope.covers(site):
        where = "EVSE" if site.evse_id is not None else "station"
        return Refusal(
            Tier.PLACE,
            AuthStatus.NOT_AT_THIS_LOCATION,
            f"grant {grant.key} does not cover this {where}",
            grant,
        )
    if partnership is not None:
        label = partnership.key or f"#{partnership.id}"
        if partnership.status is not PartnershipStatus.ACTIVE:
            reason = f"partnership {label} is {partnership.status.value}"
            return Refusal(Tier.PARTNERSHIP, AuthStatus.INVALID, reason, grant)
        if not within_days(day, partnership.valid_from, partnership.valid_until):
            reason = f"partnership {label} is not in force on {day.isoformat()}"
            return Refusal(Tier.PARTNERSHIP, AuthStatus.INVALID, reason, grant)
    if grant.suspended:
        return Refusal(Tier.PARTNERSHIP, AuthStatus.INVALID, f"grant {grant.key} is suspended", grant)
    if not within_days(day, grant.valid_from, grant.valid_until):
        reason = f"grant {grant.key} is not valid on {day.isoformat()}"
        return Refusal(Tier.TIME, AuthStatus.NOT_AT_THIS_TIME, reason, grant)
    if not is_open(grant.windows, at, zone):
        hours = "; ".join(format_window(w) for w in grant.windows)
        return Refusal(
            Tier.TIME, AuthStatus.NOT_AT_THIS_TIME, f"outside grant {grant.key} hours ({hours})", grant
        )
    if not grant.limits.allows_connector(site.connector_standards):
        allowed = ", ".join(sorted(grant.limits.connector_standards))
        reason = f"grant {grant.key} allows only {allowed} on this EVSE"
        return Refusal(Tier.CONNECTOR, AuthStatus.NOT_ALLOWED_TYPE_EVSE, reason, grant)
    limit = grant.limits.max_concurrent
    if limit is not None:
        whose = partnership.partner_org_path if partnership else grant.subject.org_path
        running = sum(
            1
            for s in open_sessions
            if (site.location_id is None or s.location_id == site.location_id)
            and is_within(s.token_org_path, whose)
        )
        if running >= limit:
            reason = f"grant {grant.key} allows {limit} concurrent sessions here; {running} running"
            return Refusal(Tier.CONCURRENCY, AuthStatus.CONCURRENT_TX, reason, grant)
    ends = [
        validity_end(grant.valid_until, site.timezone),
        validity_end(partnership.valid_until, site.timezone) if partnership else None,
        open_until(grant.windows, at, zone),
    ]
    return Admission(grant, partnership, _earliest(ends))


def _accept(admission: Admission, token: TokenFacts, token_end: datetime | None) -> Decision:
    grant = admission.grant
    reason = (
        "token of the station owner's organisation"
        if grant.id is None and grant.internal
        else f"grant {grant.key}"
        + (
            f" of partnership {admission.partnership.key}"
            if admission.partnership and admission.partnership.key
            else ""
        )
    )
    return Decision(
        AuthStatus.ACCEPTED,
        reason,
        _earliest([token_end, admission.expires_at]),
        token.group,
        grant_id=grant.id,
        grant_key=grant.key,
        partnership_id=grant.partnership_id,
        charging_priority=charging_priority(grant.priority),
        max_power_kw=grant.limits.max_power_kw,
    )


def _preference(a: Admission) -> tuple[int, int, float, int, float, str]:
    """The best grant: highest priority class, then most power, then longest lasting."""
    power = a.grant.limits.max_power_kw
    return (
        a.grant.priority,
        power is not None,
        -float(power or 0),
        a.expires_at is not None,
        -(a.expires_at.timestamp() if a.expires_at else 0.0),
        a.grant.key,
    )


def _earliest(instants: Sequence[datetime | None]) -> datetime | None:
    return min((i for i in instants if i is not None), default=None)
