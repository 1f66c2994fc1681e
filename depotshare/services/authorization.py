"""Authorisation of a token at a station: the one call every protocol path uses (Authorize,
transaction starts and stops, remote starts). The rule itself is domain.access.decision; this
module gathers the facts and records every decision with its reason at the station's location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.access.decision import Decision, SiteFacts, TokenFacts, decide
from depotshare.domain.errors import NotFound
from depotshare.services.tokens import uid_candidates
from depotshare.services.unit_of_work import UnitOfWork
from depotshare.store.repositories import charging as repo
from depotshare.store.repositories.charging import SiteRow, TokenRow


@dataclass(frozen=True)
class Authorization:
    """A decision with the facts it was made on; sessions freeze them as their attribution."""

    decision: Decision
    token: TokenRow | None
    site: SiteRow


async def authorize(
    uow: UnitOfWork, station: int, id_token: str, evse_id: int | None, at: datetime, source: str
) -> Decision:
    """May `id_token` charge at station `station` (its primary key) on `evse_id` at `at`?
    `source` names what asked (Authorize, StartTransaction, RemoteStart, ...). Records the decision;
    the caller commits it with the rest of its use case."""
    return (await check(uow, station, id_token, evse_id, at, source)).decision


async def authorize_request(
    uow: UnitOfWork, station: int, id_token: str, evse_id: int | None, at: datetime, source: str
) -> Decision:
    """The Authorize message: `authorize`, committed."""
    decision = await authorize(uow, station, id_token, evse_id, at, source)
    await uow.commit()
    return decision


async def check(
    uow: UnitOfWork, station: int, id_token: str, evse_id: int | None, at: datetime, source: str
) -> Authorization:
    """`authorize` with the token and site it found."""
    site = await repo.site_of(uow.session, station)
    if site is None:
        raise NotFound("charging station not found")
    token = await find_token(uow, id_token)
    decision = decide(_token_facts(token), SiteFacts(site.org_path, site.timezone), at)
    repo.add_event(
        uow.session,
        station,
        "authorization",
        at,
        {
            "source": source,
            "id_token": id_token,
            "evse_id": evse_id,
            "location_id": site.location_id,
            "token_id": token.id if token else None,
            "status": decision.status.value,
            "reason": decision.reason,
        },
    )
    return Authorization(decision, token, site)


async def find_token(uow: UnitOfWork, id_token: str) -> TokenRow | None:
    """The token a station's idTag names. Readers differ in how they write an RFID uid (case,
    separators), so the canonical spellings are tried, the most specific first."""
    candidates = uid_candidates(id_token)
    if not candidates:
        return None
    rows = await repo.tokens_by_uid(uow.session, list({uid for uid, _ in candidates}))
    for uid, kind in candidates:
        for row in rows:
            if row.uid == uid and (kind is None or row.type == kind.value):
                return row
    return None


def _token_facts(token: TokenRow | None) -> TokenFacts | None:
    if token is None:
        return None
    return TokenFacts(token.status, token.org_path, token.valid_from, token.valid_until, token.group_id)
