"""Reading the access decision log: every authorisation decision with its reason, per location.
The host side (facility managers, org admins of the location's owner) sees every decision at its
locations; the fleet side (a partner's org admins and fleet managers) only those about its own
tokens; a driver those about its own cards. Export as CSV with the same filters, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from depotshare.domain.access.decision_chain import DecisionSource
from depotshare.domain.access.facts import AuthStatus
from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import InvalidInput, NotFound
from depotshare.domain.fleet.tokens import uid_candidates
from depotshare.services.charging.queries import decode_time_cursor, encode_time_cursor, period_bound
from depotshare.services.common.csv_export import EXPORT_BATCH, cell, stream
from depotshare.services.common.pagination import Page
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs.organisations import find_org, org_keys, subtree_filter
from depotshare.services.runtime import Runtime
from depotshare.services.sites.locations import location_keys
from depotshare.services.sites.stations import station_ids
from depotshare.store.access.decisions import ACCEPTED, DecisionFilter, Decisions, TimeKey
from depotshare.store.access.models import AccessDecision

INTERNAL = "internal"  # the grant of an accepted decision without one: the owner's implicit grant
CSV_COLUMNS = (
    "at",
    "location",
    "station",
    "evse",
    "id_token",
    "token_org",
    "partner_org",
    "grant",
    "decision",
    "reason",
    "source",
    "hash",
)
_RESULTS = {"accepted": True, "refused": False}


@dataclass(frozen=True)
class DecisionView:
    id: int
    at: datetime  # UTC
    location: str | None  # key, while the location exists
    station: str | None  # OCPP identity, while the station exists
    evse_id: int | None
    id_token: str | None  # as the station sent it
    token_org: str | None  # organisation of the matched token when decided
    partner_org: str | None  # partner of the partnership whose grant decided
    grant: str | None  # key of the grant that admitted or got furthest ("internal": the owner's fleet)
    decision: str  # status: Accepted, Invalid, NotAtThisLocation, NotAtThisTime, ...
    accepted: bool
    reason: str | None
    source: str  # Authorize | Start | Update | Stop | Remote | LocalList
    hash: str
    prev_hash: str


@dataclass(frozen=True)
class DecisionQuery:
    """The filters as given (keys, text); `resolve` turns them into a store filter."""

    location: str | None = None
    station: str | None = None
    partner: str | None = None
    token: str | None = None
    org: str | None = None
    at_from: str | None = None
    at_to: str | None = None
    result: str | None = None
    source: DecisionSource | None = None


def _result(text: str | None) -> tuple[bool | None, str | None]:
    if text is None or text.strip() == "":
        return None, None
    value = text.strip()
    if value.lower() in _RESULTS:
        return _RESULTS[value.lower()], None
    for status in AuthStatus:
        if status.value.lower() == value.lower():
            return None, status.value
    choices = ", ".join(["accepted", "refused", *(s.value for s in AuthStatus)])
    raise InvalidInput("result", f"one of {choices}")


async def resolve(uow: UnitOfWork, actor: Actor, query: DecisionQuery) -> DecisionFilter:
    """Checks every filter (422 for a malformed one, 404 for an `org` the caller cannot see) before
    anything is read, so a CSV export fails with a problem, never halfway through."""
    prefix = await subtree_filter(uow, actor, query.org)
    partner_prefix = None
    if query.partner is not None:
        # Only the caller's rows are searched, so an organisation it cannot see just matches nothing.
        partner = await find_org(uow, query.partner)
        partner_prefix = partner.path if partner is not None else ""
    accepted, decision = _result(query.result)
    candidates = tuple(dict.fromkeys(uid for uid, _ in uid_candidates(query.token))) if query.token else ()
    if query.token and not candidates:
        candidates = (query.token.strip()[:64] or "-",)
    return DecisionFilter(
        location=query.location,
        station=query.station,
        partner_prefix=partner_prefix,
        id_tokens=candidates,
        org_prefix=prefix,
        at_from=period_bound(query.at_from, "from"),
        at_before=period_bound(query.at_to, "to", end=True),
        accepted=accepted,
        decision=decision,
        source=query.source.value if query.source else None,
    )


async def _views(uow: UnitOfWork, rows: list[AccessDecision]) -> list[DecisionView]:
    """Views of a page: one query per kind of reference, never one per row."""
    locations = await location_keys(uow, [r.location_id for r in rows])
    stations = await station_ids(uow, [r.station_id for r in rows if r.station_id is not None])
    orgs = await org_keys(uow, [r.token_org_id for r in rows] + [r.partner_org_id for r in rows])
    grants = await uow.repo(Decisions).grant_keys_by_id([r.grant_id for r in rows])
    return [
        DecisionView(
            r.id,
            r.at.astimezone(UTC),
            locations[r.location_id][0] if r.location_id in locations else None,
            stations.get(r.station_id or 0),
            r.evse_id,
            r.id_token,
            orgs.get(r.token_org_id or 0),
            orgs.get(r.partner_org_id or 0),
            _grant(r, grants),
            r.decision,
            r.decision == ACCEPTED,
            r.reason,
            r.source,
            r.hash,
            r.prev_hash,
        )
        for r in rows
    ]


def _grant(row: AccessDecision, keys: dict[int, str | None]) -> str | None:
    if row.grant_id is None:
        return INTERNAL if row.decision == ACCEPTED else None
    key = keys.get(row.grant_id)
    return key if key is not None else f"#{row.grant_id}"


async def list_decisions(
    uow: UnitOfWork, actor: Actor, query: DecisionQuery, *, cursor: str | None = None, limit: int = 50
) -> Page[DecisionView]:
    where = await resolve(uow, actor, query)
    rows = await uow.repo(Decisions).list_scoped(
        actor.scope, where, before=decode_time_cursor(cursor), limit=limit + 1
    )
    items = await _views(uow, rows[:limit])
    more = len(rows) > limit
    return Page(items, encode_time_cursor(rows[limit - 1].at, rows[limit - 1].id) if more else None)


async def get_decision(uow: UnitOfWork, actor: Actor, decision_id: int) -> DecisionView:
    row = await uow.repo(Decisions).get_scoped(actor.scope, decision_id)
    if row is None:
        raise NotFound(f"access decision {decision_id} not found")
    return (await _views(uow, [row]))[0]


def csv_row(view: DecisionView) -> list[str]:
    return [
        view.at.isoformat().replace("+00:00", "Z"),
        view.location or "",
        view.station or "",
        "" if view.evse_id is None else str(view.evse_id),
        cell(view.id_token),
        view.token_org or "",
        view.partner_org or "",
        view.grant or "",
        view.decision,
        cell(view.reason),
        view.source,
        view.hash,
    ]


def export_csv(runtime: Runtime, actor: Actor, where: DecisionFilter) -> AsyncIterator[str]:
    """The whole filtered log as CSV, newest first, in batches; filters come from `resolve`."""

    async def batch(
        uow: UnitOfWork, before: TimeKey | None, limit: int
    ) -> tuple[list[list[str]], TimeKey | None]:
        rows = await uow.repo(Decisions).list_scoped(actor.scope, where, before=before, limit=limit)
        views = await _views(uow, rows)
        return [csv_row(v) for v in views], (rows[-1].at, rows[-1].id) if rows else None

    return stream(runtime, CSV_COLUMNS, batch, EXPORT_BATCH)
