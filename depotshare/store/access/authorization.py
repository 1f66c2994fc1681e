"""Reads and writes of partner access: the grants that apply at a location as engine facts, the
running sessions a concurrency limit counts, and the hash-chained decision log with its heads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Table, bindparam, func, insert, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from depotshare.domain.access.decision_chain import GENESIS, LogEntry
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
from depotshare.store.access.models import AccessDecision, AccessLogHead, Partnership
from depotshare.store.access.models import Grant as GrantRow
from depotshare.store.access.models import GrantScope as ScopeRow
from depotshare.store.charging.models import ChargingSession
from depotshare.store.common.base import utcnow
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


async def rules_at(session: AsyncSession, location_id: int, token_org_path: str | None = None) -> Rules:
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
    rows = (await session.execute(stmt, params)).all()
    rules = Rules()
    grants: dict[int, tuple[GrantRow, str]] = {}
    for grant, subject_path, host_path, partnership, partner_path, *_ in rows:
        if partnership is not None and partnership.id not in rules.partner_org_ids:
            rules.partnerships.append(_partnership(partnership, host_path, partner_path))
            rules.partner_org_ids[partnership.id] = partnership.partner_org_id
        # Whose tokens: the named subtree, else the partner, else (an internal grant) the host.
        grants[grant.id] = (grant, subject_path or (partner_path if partnership is not None else host_path))
    scopes = _scopes((row[0].id, *row[5:]) for row in rows)
    rules.grants.extend(_grant(grant, whose, scopes[gid]) for gid, (grant, whose) in grants.items())
    return rules


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


async def open_sessions_at(session: AsyncSession, location_id: int) -> list[OpenSession]:
    """Running sessions at the location with the path of their frozen token organisation."""
    rows = await session.execute(
        select(Organisation.path)
        .select_from(ChargingSession)
        .join(Organisation, Organisation.id == ChargingSession.token_org_id)
        .where(ChargingSession.location_id == location_id, ChargingSession.state == "active")
    )
    return [OpenSession(location_id, path) for (path,) in rows]


async def connector_standards(session: AsyncSession, station_id: int, evse_id: int) -> frozenset[str]:
    rows = await session.scalars(
        select(Connector.standard)
        .join(Evse, Evse.id == Connector.evse_pk)
        .where(Evse.station_id == station_id, Evse.evse_id == evse_id)
    )
    return frozenset(rows)


# --- the decision log ---------------------------------------------------------------------------


# The statements of the log, composed once (composing them per decision cost more CPU than
# running them); values come in as bound parameters.
_DECISIONS: Table = AccessDecision.__table__  # type: ignore[assignment]
_HEADS: Table = AccessLogHead.__table__  # type: ignore[assignment]
_LOG_COLUMNS = [c.name for c in _DECISIONS.columns if c.name != "id"]


def _lock_head_statement(upsert: Any) -> Any:
    return (
        upsert(_HEADS)
        .values(
            location_id=bindparam("head_location"),
            hash=GENESIS,
            entries=0,
            updated_at=bindparam("head_updated_at"),
        )
        # A no-op update rather than DO NOTHING: it locks the row and returns it in one statement.
        .on_conflict_do_update(index_elements=[_HEADS.c.location_id], set_={"entries": _HEADS.c.entries})
        .returning(_HEADS.c.hash)
    )


_LOCK_HEAD = {
    "postgresql": _lock_head_statement(postgresql.insert),
    "sqlite": _lock_head_statement(sqlite.insert),
}
_MOVE_HEAD = (
    update(_HEADS)
    # Parameter names apart from every column's: an execute parameter named like a column of the
    # updated table would be set on it too.
    .where(_HEADS.c.location_id == bindparam("head_location"))
    .values(
        hash=bindparam("head_hash"), entries=_HEADS.c.entries + 1, updated_at=bindparam("head_updated_at")
    )
)
_ADD_ENTRY = insert(_DECISIONS).values({name: bindparam(f"entry_{name}") for name in _LOG_COLUMNS})
# PostgreSQL: the entry and the head's move in one statement, a round trip less per decision.
_ADD_ENTRY_MOVING_HEAD = _ADD_ENTRY.add_cte(_MOVE_HEAD.cte("moved_head"))


async def lock_head(session: AsyncSession, location_id: int) -> str:
    """The location's last hash, its head row locked until the transaction ends: appends at one
    location queue here, so the chain's order is the commit order, and decisions counted against
    a concurrency limit see the sessions opened by the decisions before them."""
    stmt = _LOCK_HEAD[session.get_bind().dialect.name]
    result = await session.execute(stmt, {"head_location": location_id, "head_updated_at": utcnow()})
    return str(result.scalar_one())


async def append(session: AsyncSession, entry: LogEntry) -> None:
    """Add a chained entry (domain.access_log.chained) after the head taken by `lock_head`, and
    move the head to it."""
    values = {f"entry_{name}": value for name, value in _columns(entry).items()} | {
        "head_location": entry.location_id,
        "head_hash": entry.hash,
        "head_updated_at": utcnow(),
    }
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_ADD_ENTRY_MOVING_HEAD, values)
    else:
        await session.execute(_MOVE_HEAD, values)
        await session.execute(_ADD_ENTRY, values)


def _columns(entry: LogEntry) -> dict[str, Any]:
    return {
        "location_id": entry.location_id,
        "at": entry.at,
        "station_id": entry.station_id,
        "evse_id": entry.evse_id,
        "id_token": entry.id_token,
        "token_id": entry.token_id,
        "token_org_id": entry.token_org_id,
        "partner_org_id": entry.partner_org_id,
        "grant_id": entry.grant_id,
        "decision": entry.decision,
        "reason": entry.reason,
        "source": entry.source,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def as_entry(row: AccessDecision) -> LogEntry:
    return LogEntry(
        row.location_id,
        row.at,
        row.station_id,
        row.evse_id,
        row.id_token,
        row.token_id,
        row.token_org_id,
        row.partner_org_id,
        row.grant_id,
        row.decision,
        row.reason,
        row.source,
        row.prev_hash,
        row.hash,
    )


async def log_page(
    session: AsyncSession, location_id: int, after_id: int = 0, limit: int = 10_000
) -> list[tuple[int, LogEntry]]:
    """A piece of one location's log in append order: (row id, entry) after row `after_id`.
    Plain columns, no ORM objects: `access verify` reads whole logs through here."""
    rows = await session.execute(
        select(AccessDecision.id, *_LOG_COLUMNS)
        .where(AccessDecision.location_id == location_id, AccessDecision.id > after_id)
        .order_by(AccessDecision.id)
        .limit(limit)
    )
    return [(row[0], LogEntry(*row[1:])) for row in rows]  # type: ignore[call-arg]


_LOG_COLUMNS = [getattr(AccessDecision, name) for name in LogEntry.__dataclass_fields__]


async def heads(session: AsyncSession) -> dict[int, tuple[str, int]]:
    """location id -> (last hash, number of entries)."""
    rows = await session.execute(select(AccessLogHead.location_id, AccessLogHead.hash, AccessLogHead.entries))
    return {loc: (h, n) for loc, h, n in rows}


async def logged_locations(session: AsyncSession) -> list[int]:
    """Locations with log entries or a head: a head without entries means all were deleted."""
    rows = await session.scalars(union(select(AccessDecision.location_id), select(AccessLogHead.location_id)))
    return sorted(rows)
