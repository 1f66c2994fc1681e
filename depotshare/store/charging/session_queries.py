"""Read queries on charging sessions, seen from the fleet side and the facility side, within what
the caller may see. The OCPP gateway writes these rows (store/charging/sessions.py); this module
only reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from depotshare.domain.charging.sessions import SessionState
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.charging.models import ChargingSession
from depotshare.store.common.lookups import column_by_id
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import allowed, org_ids_under, restrict_any
from depotshare.store.fleet.models import Token
from depotshare.store.sites.models import ChargingStation, Location

SESSION_SIDES = (Resource.SESSIONS, Resource.SITE_SESSIONS)


@dataclass(frozen=True)
class SessionFilter:
    org_prefix: str | None = None
    location: str | None = None  # location key
    station: str | None = None  # OCPP identity
    id_tokens: tuple[str, ...] = ()  # spellings of one token uid; empty = any
    state: str | None = None
    flagged: bool | None = None
    started_from: datetime | None = None  # inclusive
    started_before: datetime | None = None  # exclusive


class SessionQueries(Repository):
    async def get_scoped(self, scope: Scope, session_id: int) -> ChargingSession | None:
        stmt = select(ChargingSession).where(ChargingSession.id == session_id)
        found: ChargingSession | None = await self.session.scalar(
            restrict_any(stmt, scope, SESSION_SIDES, Action.READ)
        )
        return found

    async def list_scoped(
        self, scope: Scope, where: SessionFilter, *, before_id: int | None = None, limit: int = 50
    ) -> list[ChargingSession]:
        """Newest first by id (the order sessions were recorded); `before_id` continues a page."""
        stmt: Select[Any] = restrict_any(select(ChargingSession), scope, SESSION_SIDES, Action.READ)
        for clause in _filters(where):
            stmt = stmt.where(clause)
        if before_id is not None:
            stmt = stmt.where(ChargingSession.id < before_id)
        stmt = stmt.order_by(ChargingSession.id.desc()).limit(limit)
        return list((await self.session.scalars(stmt)).all())

    async def fleet_side(self, scope: Scope, session_ids: Sequence[int]) -> set[int]:
        """Those of the sessions the caller reaches from the fleet side (its token's organisation,
        or a driver's own); only they show the fleet's own attribution (employee, vehicle, cost
        centre)."""
        if not session_ids:
            return set()
        stmt = select(ChargingSession.id).where(ChargingSession.id.in_(set(session_ids)))
        stmt = stmt.where(allowed(scope, Resource.SESSIONS, Action.READ))
        return set((await self.session.scalars(stmt)).all())

    async def token_uids_by_id(self, ids: Sequence[int | None]) -> dict[int, str]:
        return await column_by_id(self.session, Token.id, Token.uid, ids)

    async def active_at(self, scope: Scope, station_pk: int) -> list[ChargingSession]:
        """The station's open sessions the caller may see, for the "current session per connector"."""
        stmt = select(ChargingSession).where(
            ChargingSession.station_id == station_pk, ChargingSession.state == SessionState.ACTIVE.value
        )
        stmt = restrict_any(stmt, scope, SESSION_SIDES, Action.READ).order_by(ChargingSession.id)
        return list((await self.session.scalars(stmt)).all())


def _filters(where: SessionFilter) -> list[ColumnElement[bool]]:
    # Keys that name nothing simply match nothing: no answer here tells whether an object exists.
    out: list[ColumnElement[bool]] = []
    if where.org_prefix is not None:
        orgs = org_ids_under((where.org_prefix,))
        out.append(or_(ChargingSession.token_org_id.in_(orgs), ChargingSession.owner_org_id.in_(orgs)))
    if where.location is not None:
        out.append(ChargingSession.location_id.in_(select(Location.id).where(Location.key == where.location)))
    if where.station is not None:
        stations = select(ChargingStation.id).where(ChargingStation.ocpp_id == where.station)
        out.append(ChargingSession.station_id.in_(stations))
    if where.id_tokens:
        tokens = select(Token.id).where(Token.uid.in_(where.id_tokens))
        out.append(or_(ChargingSession.id_token.in_(where.id_tokens), ChargingSession.token_id.in_(tokens)))
    if where.state is not None:
        out.append(ChargingSession.state == where.state)
    if where.flagged is not None:
        out.append(ChargingSession.flagged.is_(where.flagged))
    if where.started_from is not None:
        out.append(ChargingSession.started_at >= where.started_from)
    if where.started_before is not None:
        out.append(ChargingSession.started_at < where.started_before)
    return out
