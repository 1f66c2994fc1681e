"""Read queries on the access decision log for the API: filtered, newest first, keyset-paginated
on (at, id). A decision is visible from the fleet side (its token's organisation, or a driver's own
cards) and from the facility side (its location's organisation); see store/common/scoping.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.models import AccessDecision, Grant
from depotshare.store.common.scoping import org_ids_under, restrict_any
from depotshare.store.fleet.models import Token
from depotshare.store.sites.models import ChargingStation, Location

DECISION_SIDES = (Resource.ACCESS_DECISIONS, Resource.SITE_ACCESS_DECISIONS)
TimeKey = tuple[datetime, int]
ACCEPTED = "Accepted"


@dataclass(frozen=True)
class DecisionFilter:
    location: str | None = None  # location key
    station: str | None = None  # OCPP identity
    partner_prefix: str | None = None  # path of the partner organisation; "" = matches nothing
    id_tokens: tuple[str, ...] = ()  # spellings of one token uid; empty = any
    org_prefix: str | None = None  # token's or location's organisation in this subtree
    at_from: datetime | None = None  # inclusive
    at_before: datetime | None = None  # exclusive
    accepted: bool | None = None
    decision: str | None = None  # one status, e.g. NotAtThisTime
    source: str | None = None


def _filters(where: DecisionFilter) -> list[ColumnElement[bool]]:
    # Keys that name nothing simply match nothing: no answer here tells whether an object exists.
    out: list[ColumnElement[bool]] = []
    if where.location is not None:
        out.append(AccessDecision.location_id.in_(select(Location.id).where(Location.key == where.location)))
    if where.station is not None:
        stations = select(ChargingStation.id).where(ChargingStation.ocpp_id == where.station)
        out.append(AccessDecision.station_id.in_(stations))
    if where.partner_prefix is not None:
        if where.partner_prefix == "":
            out.append(AccessDecision.id.is_(None))
        else:
            out.append(AccessDecision.partner_org_id.in_(org_ids_under((where.partner_prefix,))))
    if where.id_tokens:
        tokens = select(Token.id).where(Token.uid.in_(where.id_tokens))
        out.append(or_(AccessDecision.id_token.in_(where.id_tokens), AccessDecision.token_id.in_(tokens)))
    if where.org_prefix is not None:
        orgs = org_ids_under((where.org_prefix,))
        locations = select(Location.id).where(Location.org_id.in_(orgs))
        out.append(or_(AccessDecision.token_org_id.in_(orgs), AccessDecision.location_id.in_(locations)))
    if where.at_from is not None:
        out.append(AccessDecision.at >= where.at_from)
    if where.at_before is not None:
        out.append(AccessDecision.at < where.at_before)
    if where.accepted is not None:
        out.append(
            AccessDecision.decision == ACCEPTED if where.accepted else AccessDecision.decision != ACCEPTED
        )
    if where.decision is not None:
        out.append(AccessDecision.decision == where.decision)
    if where.source is not None:
        out.append(AccessDecision.source == where.source)
    return out


def _visible(scope: Scope) -> Select[Any]:
    return restrict_any(select(AccessDecision), scope, DECISION_SIDES, Action.READ)


async def list_scoped(
    session: AsyncSession,
    scope: Scope,
    where: DecisionFilter,
    *,
    before: TimeKey | None = None,
    limit: int = 50,
) -> list[AccessDecision]:
    """Newest first by the decision's time, then by id; `before` continues a page."""
    stmt = _visible(scope)
    for clause in _filters(where):
        stmt = stmt.where(clause)
    if before is not None:
        at, last_id = before
        stmt = stmt.where(
            or_(AccessDecision.at < at, and_(AccessDecision.at == at, AccessDecision.id < last_id))
        )
    stmt = stmt.order_by(AccessDecision.at.desc(), AccessDecision.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def get_scoped(session: AsyncSession, scope: Scope, decision_id: int) -> AccessDecision | None:
    found: AccessDecision | None = await session.scalar(
        _visible(scope).where(AccessDecision.id == decision_id)
    )
    return found


async def grant_keys_by_id(session: AsyncSession, ids: Sequence[int | None]) -> dict[int, str | None]:
    """Grant id -> key (None for a grant without one) while the grant exists."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Grant.id, Grant.key).where(Grant.id.in_(wanted)))
    return {r.id: r.key for r in rows}
