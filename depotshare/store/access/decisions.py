"""The access decision log: every decision appended to its location's hash chain (the head row
locked and moved with each entry), read back page by page to verify it, and for the API filtered,
newest first, keyset-paginated on (at, id). A decision is visible from the fleet side (its token's
organisation, or a driver's own cards) and from the facility side (its location's organisation);
see store/common/scoping.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, insert, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite

from depotshare.domain.access.decision_chain import GENESIS, LogEntry
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.models import AccessDecision, AccessLogHead, Grant
from depotshare.store.common.base import utcnow
from depotshare.store.common.repository import Repository
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


_ENTRY_COLUMNS = [getattr(AccessDecision, name) for name in LogEntry.__dataclass_fields__]


class Decisions(Repository):
    """The decision log: appended to by every authorisation, chained per location, read by the
    API and by `access verify`."""

    # --- appending ----------------------------------------------------------------------

    async def lock_head(self, location_id: int) -> str:
        """The location's last hash, its head row locked until the transaction ends: appends at one
        location queue here, so the chain's order is the commit order, and decisions counted against
        a concurrency limit see the sessions opened by the decisions before them."""
        stmt = _LOCK_HEAD[self.session.get_bind().dialect.name]
        result = await self.session.execute(stmt, {"head_location": location_id, "head_updated_at": utcnow()})
        return str(result.scalar_one())

    async def append(self, entry: LogEntry) -> None:
        """Add a chained entry (domain.access_log.chained) after the head taken by `lock_head`, and
        move the head to it."""
        values = {f"entry_{name}": value for name, value in _columns(entry).items()} | {
            "head_location": entry.location_id,
            "head_hash": entry.hash,
            "head_updated_at": utcnow(),
        }
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(_ADD_ENTRY_MOVING_HEAD, values)
        else:
            await self.session.execute(_MOVE_HEAD, values)
            await self.session.execute(_ADD_ENTRY, values)

    async def log_page(
        self, location_id: int, after_id: int = 0, limit: int = 10_000
    ) -> list[tuple[int, LogEntry]]:
        """A piece of one location's log in append order: (row id, entry) after row `after_id`.
        Plain columns, no ORM objects: `access verify` reads whole logs through here."""
        rows = await self.session.execute(
            select(AccessDecision.id, *_ENTRY_COLUMNS)
            .where(AccessDecision.location_id == location_id, AccessDecision.id > after_id)
            .order_by(AccessDecision.id)
            .limit(limit)
        )
        return [(row[0], LogEntry(*row[1:])) for row in rows]

    async def heads(self) -> dict[int, tuple[str, int]]:
        """location id -> (last hash, number of entries)."""
        rows = await self.session.execute(
            select(AccessLogHead.location_id, AccessLogHead.hash, AccessLogHead.entries)
        )
        return {loc: (h, n) for loc, h, n in rows}

    async def logged_locations(self) -> list[int]:
        """Locations with log entries or a head: a head without entries means all were deleted."""
        rows = await self.session.scalars(
            union(select(AccessDecision.location_id), select(AccessLogHead.location_id))
        )
        return sorted(rows)

    # --- reading it (the API) ------------------------------------------------------------

    async def list_scoped(
        self,
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
        return list((await self.session.scalars(stmt)).all())

    async def get_scoped(self, scope: Scope, decision_id: int) -> AccessDecision | None:
        found: AccessDecision | None = await self.session.scalar(
            _visible(scope).where(AccessDecision.id == decision_id)
        )
        return found

    async def grant_keys_by_id(self, ids: Sequence[int | None]) -> dict[int, str | None]:
        """Grant id -> key (None for a grant without one) while the grant exists."""
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(select(Grant.id, Grant.key).where(Grant.id.in_(wanted)))
        return {r.id: r.key for r in rows}
