"""What a station may decide alone: the entries of its OCPP Local Authorization List, derived from
the same engine so that a listed token is one the engine admits there for as long as it is listed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from depotshare.domain.access.engine import decide
from depotshare.domain.access.facts import Decision, SiteFacts, TokenFacts
from depotshare.domain.access.grants import Grant, PartnershipFacts, Scope


@dataclass(frozen=True)
class ListEntry:
    token: TokenFacts
    expires_at: datetime | None  # 1.6 idTagInfo.expiryDate, 2.0.1 cacheExpiryDateTime
    group: str | None
    grant_key: str | None
    # The whole decision (grant, partnership, chargingPriority) for the list sync and its log.
    decision: Decision | None = field(default=None, compare=False)


def offline_grants(grants: Sequence[Grant]) -> list[Grant]:
    """A list admits a token on every EVSE of the station, so only what a grant gives the whole
    station counts: single EVSEs are dropped from its scope and a grant limited to some connector
    standards admits nothing offline. Narrowed grants stay in the list so that an explicit internal
    grant still switches the implicit one off."""
    out = []
    for grant in grants:
        scope = Scope() if grant.limits.connector_standards else grant.scope.whole_stations
        out.append(replace(grant, scope=scope))
    return out


def station_site(site: SiteFacts) -> SiteFacts:
    """The station as a whole: no EVSE, no connector."""
    return replace(site, evse_id=None, connector_standards=frozenset())


def list_entry(
    token: TokenFacts,
    site: SiteFacts,
    at: datetime,
    grants: Sequence[Grant],
    partnerships: Sequence[PartnershipFacts],
) -> ListEntry | None:
    """The token's entry on the station's list at `at`, or None when it is not to be listed. A token
    admitted only inside time windows is listed while a window is open, expiring at its end, and
    left out while closed; the sync re-runs at window boundaries (windows.next_opening).
    Concurrency limits cannot be counted offline: they are enforced online only."""
    decision = decide(token, station_site(site), at, offline_grants(grants), partnerships)
    if not decision.accepted:
        return None
    return ListEntry(token, decision.expires_at, decision.group, decision.grant_key, decision)


def admitted_at_station(
    tokens: Iterable[TokenFacts],
    site: SiteFacts,
    at: datetime,
    grants: Sequence[Grant],
    partnerships: Sequence[PartnershipFacts],
) -> list[ListEntry]:
    """The station's list at `at`: every token the grants admit there, with its expiry."""
    entries = (list_entry(t, site, at, grants, partnerships) for t in tokens)
    return [e for e in entries if e is not None]
