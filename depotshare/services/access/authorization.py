"""Authorisation of a token at a station: the one call every protocol path uses (Authorize,
transaction starts and stops, remote starts). The rule itself is domain.access.decision; this
module gathers the facts (token, site, grants, running sessions) and appends every decision with
its reason to the location's hash-chained decision log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.access.decision import Decision, SiteFacts, TokenFacts, decide
from depotshare.domain.access.decision_chain import DecisionSource, LogEntry, chained
from depotshare.domain.common.errors import NotFound
from depotshare.domain.fleet.tokens import uid_candidates
from depotshare.services.charging import charge_facts
from depotshare.services.charging.charge_facts import SiteRow, TokenRow
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.access.authorization import AccessRules, Rules
from depotshare.store.access.decisions import Decisions

# Column sizes of the decision log: what a station sent is kept, cut to fit.
MAX_LOGGED_TOKEN = 64
MAX_REASON = 200


@dataclass(frozen=True)
class Authorization:
    """A decision with the facts it was made on; sessions freeze them as their attribution."""

    decision: Decision
    token: TokenRow | None
    site: SiteRow


async def authorize(
    uow: UnitOfWork,
    station: int,
    id_token: str,
    evse_id: int | None,
    at: datetime,
    source: DecisionSource,
) -> Decision:
    """May `id_token` charge at station `station` (its primary key) on `evse_id` at `at`?
    Appends the decision to the location's log; the caller commits it with the rest of its use case."""
    return (await check(uow, station, id_token, evse_id, at, source)).decision


async def authorize_request(
    uow: UnitOfWork,
    station: int,
    id_token: str,
    evse_id: int | None,
    at: datetime,
    source: DecisionSource = DecisionSource.AUTHORIZE,
) -> Decision:
    """The Authorize message: `authorize`, committed."""
    decision = await authorize(uow, station, id_token, evse_id, at, source)
    await uow.commit()
    return decision


async def check(
    uow: UnitOfWork,
    station: int,
    id_token: str,
    evse_id: int | None,
    at: datetime,
    source: DecisionSource,
) -> Authorization:
    """`authorize` with the token and site it found."""
    access_rules = uow.repo(AccessRules)
    site = await charge_facts.site_of(uow, station)
    if site is None:
        raise NotFound("charging station not found")
    token = await find_token(uow, id_token)
    # The head lock comes before the facts: decisions at one location queue, so a concurrency
    # limit counts the sessions opened by the decisions committed before this one.
    prev_hash = await uow.repo(Decisions).lock_head(site.location_id)
    # An unknown token is refused before any grant is read: none are loaded for it.
    rules = await access_rules.rules_at(site.location_id, token.org_path) if token else Rules()
    standards = (
        await access_rules.connector_standards(station, evse_id)
        if evse_id and rules.by_connector
        else frozenset[str]()
    )
    running = await access_rules.open_sessions_at(site.location_id) if rules.limited else []
    facts = SiteFacts(
        site.org_path,
        site.timezone,
        location_id=site.location_id,
        station_id=station,
        evse_id=evse_id,
        connector_standards=standards,
    )
    decision = decide(_token_facts(token), facts, at, rules.grants, rules.partnerships, running)
    partner = rules.partner_org_ids.get(decision.partnership_id) if decision.partnership_id else None
    entry = LogEntry(
        location_id=site.location_id,
        at=at,
        station_id=station,
        evse_id=evse_id,
        id_token=id_token[:MAX_LOGGED_TOKEN],
        token_id=token.id if token else None,
        token_org_id=token.org_id if token else None,
        partner_org_id=partner,
        grant_id=decision.grant_id,
        decision=decision.status.value,
        reason=decision.reason[:MAX_REASON],
        source=source.value,
    )
    await uow.repo(Decisions).append(chained(entry, prev_hash))
    return Authorization(decision, token, site)


async def record(uow: UnitOfWork, entry: LogEntry) -> None:
    """Append a decision taken outside `check` (a token put on or taken off a station's local
    list) to its location's log, chained like every other."""
    prev_hash = await uow.repo(Decisions).lock_head(entry.location_id)
    await uow.repo(Decisions).append(chained(entry, prev_hash))


async def find_token(uow: UnitOfWork, id_token: str) -> TokenRow | None:
    """The token a station's idTag names. Readers differ in how they write an RFID uid (case,
    separators), so the canonical spellings are tried, the most specific first."""
    candidates = uid_candidates(id_token)
    if not candidates:
        return None
    rows = await charge_facts.tokens_by_uid(uow, list({uid for uid, _ in candidates}))
    for uid, kind in candidates:
        for row in rows:
            if row.uid == uid and (kind is None or row.type == kind.value):
                return row
    return None


def _token_facts(token: TokenRow | None) -> TokenFacts | None:
    if token is None:
        return None
    return TokenFacts(
        token.status,
        token.org_path,
        token.valid_from,
        token.valid_until,
        token.group_id,
        uid=token.uid,
        type=token.type,
        id=token.id,
    )
