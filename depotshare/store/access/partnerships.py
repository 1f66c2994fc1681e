"""Queries on partnerships and their access grants for the API. A partnership is seen from two
sides: the host's (partnerships, grants: by the host organisation) and the partner's
(partner_access: by the partner organisation). Every lookup goes through store/scoping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.common.keys import as_id
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.models import Grant, GrantScope, Partnership, Tariff
from depotshare.store.common.scoping import allowed, org_ids_under
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Evse, Location

HOST_SIDE = Resource.PARTNERSHIPS
PARTNER_SIDE = Resource.PARTNER_ACCESS


def _partner_of_grant() -> Any:
    return select(Partnership.partner_org_id).where(Partnership.id == Grant.partnership_id).scalar_subquery()


def partnership_visible(scope: Scope) -> ColumnElement[bool]:
    """Host side (partnerships: read on the host) or partner side (partner_access: read on the partner)."""
    return or_(allowed(scope, HOST_SIDE, Action.READ), allowed(scope, PARTNER_SIDE, Action.READ))


def grant_visible(scope: Scope) -> ColumnElement[bool]:
    """Host side (grants: read on the host) or partner side (partner_access on the partnership's partner)."""
    return or_(
        allowed(scope, Resource.GRANTS, Action.READ),
        allowed(scope, PARTNER_SIDE, Action.READ, org_column=_partner_of_grant()),
    )


@dataclass(frozen=True)
class PartnershipFilter:
    org_prefix: str | None = None  # host or partner in this subtree
    host: str | None = None  # org key: hosted by this organisation
    partner: str | None = None  # org key: with this partner
    status: str | None = None


async def find_scoped(
    session: AsyncSession, scope: Scope, *, key: str | None = None, pair: tuple[str, str] | None = None
) -> Partnership | None:
    """A visible partnership by key, or by (host key, partner key)."""
    stmt = select(Partnership).where(partnership_visible(scope))
    if key is not None:
        stmt = stmt.where(Partnership.key == key)
    elif pair is not None:
        host, partner = pair
        stmt = stmt.where(
            Partnership.host_org_id
            == select(Organisation.id).where(Organisation.key == host).scalar_subquery(),
            Partnership.partner_org_id
            == select(Organisation.id).where(Organisation.key == partner).scalar_subquery(),
        )
    else:
        return None
    found: Partnership | None = await session.scalar(stmt)
    return found


async def list_scoped(
    session: AsyncSession, scope: Scope, where: PartnershipFilter, *, after_id: int | None, limit: int
) -> list[Partnership]:
    stmt: Select[Any] = select(Partnership).where(partnership_visible(scope))
    if where.org_prefix is not None:
        orgs = org_ids_under((where.org_prefix,))
        stmt = stmt.where(or_(Partnership.host_org_id.in_(orgs), Partnership.partner_org_id.in_(orgs)))
    if where.host is not None:
        stmt = stmt.where(
            Partnership.host_org_id.in_(select(Organisation.id).where(Organisation.key == where.host))
        )
    if where.partner is not None:
        partner = select(Organisation.id).where(Organisation.key == where.partner)
        stmt = stmt.where(Partnership.partner_org_id.in_(partner))
    if where.status is not None:
        stmt = stmt.where(Partnership.status == where.status)
    if after_id is not None:
        stmt = stmt.where(Partnership.id > after_id)
    return list((await session.scalars(stmt.order_by(Partnership.id).limit(limit))).all())


async def host_side_ids(session: AsyncSession, scope: Scope, ids: Sequence[int]) -> set[int]:
    """Those partnerships the caller sees from the host side (it alone sees the revenue share)."""
    if not ids:
        return set()
    stmt = select(Partnership.id).where(Partnership.id.in_(set(ids)), allowed(scope, HOST_SIDE, Action.READ))
    return set((await session.scalars(stmt)).all())


async def get_by_key(session: AsyncSession, key: str) -> Partnership | None:
    return await session.scalar(select(Partnership).where(Partnership.key == key))


async def get_by_pair(session: AsyncSession, host_id: int, partner_id: int) -> Partnership | None:
    return await session.scalar(
        select(Partnership).where(
            Partnership.host_org_id == host_id, Partnership.partner_org_id == partner_id
        )
    )


async def org_by_key(session: AsyncSession, key: str) -> Organisation | None:
    """Any organisation by key, visible or not: a host names its partner company, which is a
    customer of its own outside the host's tree."""
    return await session.scalar(select(Organisation).where(Organisation.key == key))


async def orgs_by_keys(session: AsyncSession, keys: Sequence[str]) -> dict[str, Organisation]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = await session.scalars(select(Organisation).where(Organisation.key.in_(wanted)))
    return {o.key: o for o in rows}


async def tariff_by_key(session: AsyncSession, key: str) -> Tariff | None:
    return await session.scalar(select(Tariff).where(Tariff.key == key))


async def tariff_keys_by_id(session: AsyncSession, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Tariff.id, Tariff.key).where(Tariff.id.in_(wanted)))
    return {r.id: r.key for r in rows}


# --- grants --------------------------------------------------------------------------------------


async def grants_of(
    session: AsyncSession,
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
    return list((await session.scalars(stmt.order_by(Grant.id).limit(limit))).all())


async def grant_scoped(session: AsyncSession, scope: Scope, partnership_id: int, ref: str) -> Grant | None:
    """A visible grant of the partnership by key, or (for a grant without one) by id."""
    base = select(Grant).where(Grant.partnership_id == partnership_id, grant_visible(scope))
    found: Grant | None = await session.scalar(base.where(Grant.key == ref).order_by(Grant.id).limit(1))
    if found is None and (grant_id := as_id(ref)) is not None:
        found = await session.scalar(base.where(Grant.id == grant_id, Grant.key.is_(None)))
    return found


async def grant_key_taken(
    session: AsyncSession, partnership_id: int, key: str, other_than: int | None
) -> bool:
    stmt = select(Grant.id).where(Grant.partnership_id == partnership_id, Grant.key == key)
    if other_than is not None:
        stmt = stmt.where(Grant.id != other_than)
    return (await session.scalar(stmt.limit(1))) is not None


@dataclass(frozen=True)
class Place:
    """One place a grant names, by natural key: (kind, location key or station id, evse)."""

    kind: str  # locations | stations | evses
    name: str
    evse: int | None


async def places_of(session: AsyncSession, grant_ids: Sequence[int]) -> dict[int, list[Place]]:
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
    for grant_id, location, station, evse in await session.execute(stmt):
        if location is not None:
            place = Place("locations", location, None)
        elif station is not None:
            place = Place("stations" if evse is None else "evses", station, evse)
        else:
            continue
        out.setdefault(grant_id, []).append(place)
    return out


@dataclass(frozen=True)
class Site:
    """Where a named place is: its primary key, the location and the location's organisation path."""

    id: int
    location_id: int
    org_key: str
    org_path: str


async def locations_by_key(session: AsyncSession, keys: Sequence[str]) -> dict[str, Site]:
    if not keys:
        return {}
    rows = await session.execute(
        select(Location.id, Location.key, Organisation.key.label("org_key"), Organisation.path)
        .join(Organisation, Organisation.id == Location.org_id)
        .where(Location.key.in_(set(keys)))
    )
    return {r.key: Site(r.id, r.id, r.org_key, r.path) for r in rows}


async def stations_by_id(session: AsyncSession, ocpp_ids: Sequence[str]) -> dict[str, Site]:
    if not ocpp_ids:
        return {}
    rows = await session.execute(
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


async def evse_numbers(session: AsyncSession, station_pks: Sequence[int]) -> set[tuple[int, int]]:
    if not station_pks:
        return set()
    rows = await session.execute(
        select(Evse.station_id, Evse.evse_id).where(Evse.station_id.in_(set(station_pks)))
    )
    return {(r.station_id, r.evse_id) for r in rows}


# --- internal grants (no partnership): the host side only ---------------------------------------


def _internal_visible(scope: Scope) -> ColumnElement[bool]:
    """An internal grant is the host's own affair: read through `grants` on the host, never by a
    partner (it has no partnership, so the partner side reaches none)."""
    clause: ColumnElement[bool] = Grant.partnership_id.is_(None) & allowed(
        scope, Resource.GRANTS, Action.READ
    )
    return clause


@dataclass(frozen=True)
class InternalGrantFilter:
    org_prefix: str | None = None  # host or subject in this subtree
    location: str | None = None  # location key: grants naming it, or a station or EVSE of it
    status: str | None = None


async def internal_grants(
    session: AsyncSession, scope: Scope, where: InternalGrantFilter, *, after_id: int | None, limit: int
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
    return list((await session.scalars(stmt.order_by(Grant.id).limit(limit))).all())


async def internal_grant_scoped(
    session: AsyncSession,
    scope: Scope,
    *,
    host: str | None = None,
    key: str | None = None,
    id: int | None = None,
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
    found: Grant | None = await session.scalar(stmt.order_by(Grant.id).limit(1))
    return found


async def internal_key_taken(session: AsyncSession, host_id: int, key: str, other_than: int | None) -> bool:
    stmt = select(Grant.id).where(
        Grant.partnership_id.is_(None), Grant.host_org_id == host_id, Grant.key == key
    )
    if other_than is not None:
        stmt = stmt.where(Grant.id != other_than)
    return (await session.scalar(stmt.limit(1))) is not None


async def delete_grant_scopes(session: AsyncSession, grant_id: int) -> None:
    """A grant's places are replaced as a whole when a write (API or import) changes them."""
    await session.execute(delete(GrantScope).where(GrantScope.grant_id == grant_id))
