"""Grants as the API reads and writes them: a partnership's (host side by the host organisation,
partner side by the partner) and a host's internal grants (host side only), their places by
natural key, and the places a grant may name, found by key with their owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select

from depotshare.domain.common.keys import as_id
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.models import Grant, GrantScope, Partnership
from depotshare.store.access.partnerships import PARTNER_SIDE
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import allowed, org_ids_under
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Evse, Location


def _partner_of_grant() -> Any:
    return select(Partnership.partner_org_id).where(Partnership.id == Grant.partnership_id).scalar_subquery()


def grant_visible(scope: Scope) -> ColumnElement[bool]:
    """Host side (grants: read on the host) or partner side (partner_access on the partnership's partner)."""
    return or_(
        allowed(scope, Resource.GRANTS, Action.READ),
        allowed(scope, PARTNER_SIDE, Action.READ, org_column=_partner_of_grant()),
    )


def _internal_visible(scope: Scope) -> ColumnElement[bool]:
    """An internal grant is the host's own affair: read through `grants` on the host, never by a
    partner (it has no partnership, so the partner side reaches none)."""
    clause: ColumnElement[bool] = Grant.partnership_id.is_(None) & allowed(
        scope, Resource.GRANTS, Action.READ
    )
    return clause


@dataclass(frozen=True)
class Place:
    """One place a grant names, by natural key: (kind, location key or station id, evse)."""

    kind: str  # locations | stations | evses
    name: str
    evse: int | None


@dataclass(frozen=True)
class Site:
    """Where a named place is: its primary key, the location and the location's organisation path."""

    id: int
    location_id: int
    org_key: str
    org_path: str


@dataclass(frozen=True)
class InternalGrantFilter:
    org_prefix: str | None = None  # host or subject in this subtree
    location: str | None = None  # location key: grants naming it, or a station or EVSE of it
    status: str | None = None


class Grants(Repository):
    # --- a partnership's grants ------------------------------------------------------------------

    async def of_partnership(
        self,
        scope: Scope,
        partnership_id: int,
        *,
        status: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[Grant]:
        stmt = select(Grant).where(Grant.partnership_id == partnership_id, grant_visible(scope))
        if status is not None:
            stmt = stmt.where(Grant.status == status)
        if after_id is not None:
            stmt = stmt.where(Grant.id > after_id)
        return list((await self.session.scalars(stmt.order_by(Grant.id).limit(limit))).all())

    async def find_scoped(self, scope: Scope, partnership_id: int, ref: str) -> Grant | None:
        """A visible grant of the partnership by key, or (for a grant without one) by id."""
        base = select(Grant).where(Grant.partnership_id == partnership_id, grant_visible(scope))
        found: Grant | None = await self.session.scalar(
            base.where(Grant.key == ref).order_by(Grant.id).limit(1)
        )
        if found is None and (grant_id := as_id(ref)) is not None:
            found = await self.session.scalar(base.where(Grant.id == grant_id, Grant.key.is_(None)))
        return found

    async def key_taken(self, partnership_id: int, key: str, other_than: int | None) -> bool:
        stmt = select(Grant.id).where(Grant.partnership_id == partnership_id, Grant.key == key)
        if other_than is not None:
            stmt = stmt.where(Grant.id != other_than)
        return (await self.session.scalar(stmt.limit(1))) is not None

    # --- a host's internal grants (no partnership) -----------------------------------------------

    async def internal(
        self, scope: Scope, where: InternalGrantFilter, *, after_id: int | None, limit: int
    ) -> list[Grant]:
        stmt: Select[Any] = select(Grant).where(_internal_visible(scope))
        if where.org_prefix is not None:
            orgs = org_ids_under((where.org_prefix,))
            stmt = stmt.where(or_(Grant.host_org_id.in_(orgs), Grant.subject_org_id.in_(orgs)))
        if where.location is not None:
            location = select(Location.id).where(Location.key == where.location).scalar_subquery()
            stations = select(ChargingStation.id).where(ChargingStation.location_id == location)
            places = select(GrantScope.grant_id).where(
                or_(GrantScope.location_id == location, GrantScope.station_id.in_(stations))
            )
            stmt = stmt.where(Grant.id.in_(places))
        if where.status is not None:
            stmt = stmt.where(Grant.status == where.status)
        if after_id is not None:
            stmt = stmt.where(Grant.id > after_id)
        return list((await self.session.scalars(stmt.order_by(Grant.id).limit(limit))).all())

    async def internal_scoped(
        self, scope: Scope, *, host: str | None = None, key: str | None = None, id: int | None = None
    ) -> Grant | None:
        """A visible internal grant by (host key, grant key), or by id."""
        stmt = select(Grant).where(_internal_visible(scope))
        if id is not None:
            stmt = stmt.where(Grant.id == id)
        elif host is not None and key is not None:
            host_id = select(Organisation.id).where(Organisation.key == host).scalar_subquery()
            stmt = stmt.where(Grant.host_org_id == host_id, Grant.key == key)
        else:
            return None
        found: Grant | None = await self.session.scalar(stmt.order_by(Grant.id).limit(1))
        return found

    async def internal_key_taken(self, host_id: int, key: str, other_than: int | None) -> bool:
        stmt = select(Grant.id).where(
            Grant.partnership_id.is_(None), Grant.host_org_id == host_id, Grant.key == key
        )
        if other_than is not None:
            stmt = stmt.where(Grant.id != other_than)
        return (await self.session.scalar(stmt.limit(1))) is not None

    # --- places ----------------------------------------------------------------------------------

    async def places_of(self, grant_ids: Sequence[int]) -> dict[int, list[Place]]:
        """Each grant's places by natural key, in the order they were added."""
        if not grant_ids:
            return {}
        stmt = (
            select(GrantScope.grant_id, Location.key, ChargingStation.ocpp_id, GrantScope.evse_id)
            .outerjoin(Location, Location.id == GrantScope.location_id)
            .outerjoin(ChargingStation, ChargingStation.id == GrantScope.station_id)
            .where(GrantScope.grant_id.in_(set(grant_ids)))
            .order_by(GrantScope.id)
        )
        out: dict[int, list[Place]] = {}
        for grant_id, location, station, evse in await self.session.execute(stmt):
            if location is not None:
                place = Place("locations", location, None)
            elif station is not None:
                place = Place("stations" if evse is None else "evses", station, evse)
            else:
                continue
            out.setdefault(grant_id, []).append(place)
        return out

    async def delete_places(self, grant_id: int) -> None:
        """A grant's places are replaced as a whole when a write (API or import) changes them."""
        await self.session.execute(delete(GrantScope).where(GrantScope.grant_id == grant_id))

    async def locations_by_key(self, keys: Sequence[str]) -> dict[str, Site]:
        if not keys:
            return {}
        rows = await self.session.execute(
            select(Location.id, Location.key, Organisation.key.label("org_key"), Organisation.path)
            .join(Organisation, Organisation.id == Location.org_id)
            .where(Location.key.in_(set(keys)))
        )
        return {r.key: Site(r.id, r.id, r.org_key, r.path) for r in rows}

    async def stations_by_id(self, ocpp_ids: Sequence[str]) -> dict[str, Site]:
        if not ocpp_ids:
            return {}
        rows = await self.session.execute(
            select(
                ChargingStation.id,
                ChargingStation.ocpp_id,
                ChargingStation.location_id,
                Organisation.key.label("org_key"),
                Organisation.path,
            )
            .join(Location, Location.id == ChargingStation.location_id)
            .join(Organisation, Organisation.id == Location.org_id)
            .where(ChargingStation.ocpp_id.in_(set(ocpp_ids)))
        )
        return {r.ocpp_id: Site(r.id, r.location_id, r.org_key, r.path) for r in rows}

    async def evse_numbers(self, station_pks: Sequence[int]) -> set[tuple[int, int]]:
        if not station_pks:
            return set()
        rows = await self.session.execute(
            select(Evse.station_id, Evse.evse_id).where(Evse.station_id.in_(set(station_pks)))
        )
        return {(r.station_id, r.evse_id) for r in rows}
