"""What an authorisation decides on: the grants that apply at a location as engine facts, the
running sessions a concurrency limit counts, an EVSE's connector standards. The decision log the
decisions go to: decisions.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, bindparam, func, or_, select, union
from sqlalchemy.orm import aliased

from depotshare.domain.access.facts import OpenSession
from depotshare.domain.access.grants import (
    Grant,
    Limits,
    PartnershipFacts,
    PartnershipStatus,
    Scope,
    Subject,
)
from depotshare.domain.access.windows import parse_window
from depotshare.domain.orgs import tree
from depotshare.store.access.models import Grant as GrantRow
from depotshare.store.access.models import GrantScope as ScopeRow
from depotshare.store.access.models import Partnership
from depotshare.store.charging.models import ChargingSession
from depotshare.store.common.repository import Repository
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Connector, Evse


@dataclass(frozen=True)
class Rules:
    """The grants that name a place at one location, as the engine takes them."""

    grants: list[Grant] = field(default_factory=list)
    partnerships: list[PartnershipFacts] = field(default_factory=list)
    partner_org_ids: dict[int, int] = field(default_factory=dict)  # partnership id -> partner org

    @property
    def limited(self) -> bool:
        """Whether a decision here may need the running sessions."""
        return any(g.limits.max_concurrent is not None for g in self.grants)

    @property
    def by_connector(self) -> bool:
        """Whether a decision here may need the requested EVSE's connector standards."""
        return any(g.limits.connector_standards for g in self.grants)


def _rules_statement(for_lineage: bool) -> Any:
    """The grants at a location (bound as `location`), built once: composing this select costs
    more CPU than running it, and it runs for every authorisation."""
    location = bindparam("location", type_=Integer)
    by_location = select(ScopeRow.grant_id).where(ScopeRow.location_id == location)
    by_station = (
        select(ScopeRow.grant_id)
        .join(ChargingStation, ChargingStation.id == ScopeRow.station_id)
        .where(ChargingStation.location_id == location)
    )
    ids = union(by_location, by_station).subquery()
    subject, host, partner = aliased(Organisation), aliased(Organisation), aliased(Organisation)
    place = aliased(ScopeRow)  # every place of the grant, here and elsewhere: one row each
    stmt = (
        select(
            GrantRow,
            subject.path,
            host.path,
            Partnership,
            partner.path,
            place.location_id,
            place.station_id,
            place.evse_id,
        )
        .join(ids, ids.c.grant_id == GrantRow.id)
        .join(place, place.grant_id == GrantRow.id)
        .outerjoin(subject, subject.id == GrantRow.subject_org_id)
        .outerjoin(Partnership, Partnership.id == GrantRow.partnership_id)
        # A partnership grant's host is its partnership's; an internal grant's its own.
        .join(host, host.id == func.coalesce(Partnership.host_org_id, GrantRow.host_org_id))
        .outerjoin(partner, partner.id == Partnership.partner_org_id)
    )
    if for_lineage:
        whose = func.coalesce(GrantRow.subject_org_id, Partnership.partner_org_id)
        stmt = stmt.where(
            or_(GrantRow.partnership_id.is_(None), whose.in_(bindparam("lineage", expanding=True)))
        )
    return stmt


_RULES = _rules_statement(for_lineage=False)
_RULES_FOR_LINEAGE = _rules_statement(for_lineage=True)


def _scopes(rows: Iterable[tuple[int, int | None, int | None, int | None]]) -> dict[int, Scope]:
    """(grant id, location id, station id, EVSE id) rows -> each grant's scope."""
    places: dict[int, tuple[set[int], set[int], set[tuple[int, int]]]] = {}
    for grant_id, location_id, station_id, evse_id in rows:
        locations, stations, evses = places.setdefault(grant_id, (set(), set(), set()))
        if location_id is not None:
            locations.add(location_id)
        elif station_id is None:  # the one_place check constraint rules this out
            continue
        elif evse_id is None:
            stations.add(station_id)
        else:
            evses.add((station_id, evse_id))
    return {
        gid: Scope(frozenset(loc), frozenset(sta), frozenset(evs)) for gid, (loc, sta, evs) in places.items()
    }


def _partnership(row: Partnership, host_path: str, partner_path: str) -> PartnershipFacts:
    return PartnershipFacts(
        row.id,
        host_path,
        partner_path,
        PartnershipStatus(row.status),
        row.valid_from,
        row.valid_until,
        row.key,
    )


def _grant(row: GrantRow, subject_path: str, scope: Scope) -> Grant:
    windows = tuple(
        parse_window(w.get("days"), f"{w['start']}-{w['end']}", f"grants[{row.id}].windows[{i}]")
        for i, w in enumerate(row.windows or [])
    )
    return Grant(
        row.id,
        row.key or f"#{row.id}",
        Subject(subject_path, row.group_id),
        scope,
        partnership_id=row.partnership_id,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        windows=windows,
        limits=Limits(
            row.max_concurrent,
            row.max_power_kw,
            frozenset(row.connector_standards or ()),
        ),
        priority=row.priority,
        suspended=row.status == "suspended",
    )


class AccessRules(Repository):
    """The facts an authorisation decides on: the grants at a location, its running sessions,
    an EVSE's connector standards."""

    async def rules_at(self, location_id: int, token_org_path: str | None = None) -> Rules:
        """Every grant for this location (also those covering only some of its stations or EVSEs: an
        explicit internal grant anywhere here replaces the implicit one), with their partnerships.
        With `token_org_path`, only the partnership grants whose subject holds that organisation (the
        only ones the engine could apply to its tokens) and every internal grant."""
        params: dict[str, Any]
        if token_org_path is None:
            stmt, params = _RULES, {"location": location_id}
        else:
            lineage = tree.ids_on_path(token_org_path)
            stmt, params = _RULES_FOR_LINEAGE, {"location": location_id, "lineage": lineage}
        rows = (await self.session.execute(stmt, params)).all()
        rules = Rules()
        grants: dict[int, tuple[GrantRow, str]] = {}
        for grant, subject_path, host_path, partnership, partner_path, *_ in rows:
            if partnership is not None and partnership.id not in rules.partner_org_ids:
                rules.partnerships.append(_partnership(partnership, host_path, partner_path))
                rules.partner_org_ids[partnership.id] = partnership.partner_org_id
            # Whose tokens: the named subtree, else the partner, else (an internal grant) the host.
            grants[grant.id] = (
                grant,
                subject_path or (partner_path if partnership is not None else host_path),
            )
        scopes = _scopes((row[0].id, *row[5:]) for row in rows)
        rules.grants.extend(_grant(grant, whose, scopes[gid]) for gid, (grant, whose) in grants.items())
        return rules

    async def open_sessions_at(self, location_id: int) -> list[OpenSession]:
        """Running sessions at the location with the path of their frozen token organisation."""
        rows = await self.session.execute(
            select(Organisation.path)
            .select_from(ChargingSession)
            .join(Organisation, Organisation.id == ChargingSession.token_org_id)
            .where(ChargingSession.location_id == location_id, ChargingSession.state == "active")
        )
        return [OpenSession(location_id, path) for (path,) in rows]

    async def connector_standards(self, station_id: int, evse_id: int) -> frozenset[str]:
        rows = await self.session.scalars(
            select(Connector.standard)
            .join(Evse, Evse.id == Connector.evse_pk)
            .where(Evse.station_id == station_id, Evse.evse_id == evse_id)
        )
        return frozenset(rows)
