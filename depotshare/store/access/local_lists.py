"""Reads and writes of the stations' local lists: the confirmed list and limits per station, the
marks that make a list due (by location, for everyone), the tokens that may be on a location's
list, the stations due for a sync, and the scoped report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite

from depotshare.domain.access.facts import TokenFacts
from depotshare.domain.access.local_list import Entry
from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.store.access.local_list_models import StationLocalList
from depotshare.store.access.models import Grant, GrantScope, Partnership
from depotshare.store.common.base import utcnow
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict, under
from depotshare.store.fleet.models import Token
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation, Location

Row = StationLocalList


@dataclass(frozen=True)
class DueStation:
    pk: int
    ocpp_id: str
    protocol: str | None
    connected_at: datetime | None
    last_boot_at: datetime | None


# --- entries as stored ----------------------------------------------------------------------------


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id_token,
        "type": entry.token_type,
        "expires": entry.expires_at.isoformat() if entry.expires_at else None,
        "group": entry.group,
        "priority": entry.charging_priority,
    }


def entry_of(data: dict[str, Any]) -> Entry:
    expires = data.get("expires")
    return Entry(
        data["id"],
        data.get("type"),
        datetime.fromisoformat(expires) if expires else None,
        data.get("group"),
        data.get("priority"),
    )


# --- which locations a change touches ---------------------------------------------------------------


def _stations_at(location_ids: Iterable[int]) -> Select[Any]:
    return select(ChargingStation.id).where(ChargingStation.location_id.in_(set(location_ids)))


def _locations_of_grants(grant_ids: Any) -> tuple[Any, Any]:
    by_location = select(GrantScope.location_id).where(
        GrantScope.grant_id.in_(grant_ids), GrantScope.location_id.is_not(None)
    )
    by_station = (
        select(ChargingStation.location_id)
        .join(GrantScope, GrantScope.station_id == ChargingStation.id)
        .where(GrantScope.grant_id.in_(grant_ids))
    )
    return by_location, by_station


def _ancestor_paths(path: str) -> list[str]:
    """ "/1/7/12/" -> ["/1/", "/1/7/", "/1/7/12/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


# --- the report -----------------------------------------------------------------------------------------


def state_of(now: datetime) -> Any:
    """The list's state as SQL, the one definition the view and the filter share:
    not_supported, out_of_date (never synchronised, a change not yet confirmed, a failed sync,
    or a re-sync overdue), too_large (in sync, but tokens left out), in_sync."""
    r = Row
    return case(
        (r.station_id.is_(None), "out_of_date"),
        (r.last_result == "not_supported", "not_supported"),
        (
            or_(
                r.dirty.is_(True),
                r.full_requested.is_(True),
                r.last_result.is_(None),
                r.last_result != "ok",
                r.next_sync_at <= now,
            ),
            "out_of_date",
        ),
        (r.left_out > 0, "too_large"),
        else_="in_sync",
    )


class LocalLists(Repository):
    # --- the state row ---------------------------------------------------------------------------

    async def get(self, station_id: int) -> Row | None:
        return await self.session.get(Row, station_id)

    async def station(self, station_id: int) -> ChargingStation | None:
        """The station a list is kept for, as the sync reads it (identity, protocol, connection)."""
        return await self.session.get(ChargingStation, station_id)

    async def ensure(self, station_id: int) -> None:
        """Create the station's row if it has none (two writers may try at once)."""
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = utcnow()
        await self.session.execute(
            insert(Row)
            .values(station_id=station_id, entries=[], dirty=True, dirty_since=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[Row.station_id])
        )

    async def save(self, station_id: int, seen_changes: int, values: dict[str, Any]) -> None:
        """Write a sync's outcome. `dirty` stays set when marks came in since the sync read the row
        (`changes` moved on), or when `values` says so."""
        still_dirty = values.pop("dirty", False)
        dirty: ColumnElement[bool] = literal(True) if still_dirty else Row.changes != seen_changes
        await self.session.execute(
            update(Row)
            .where(Row.station_id == station_id)
            .values(
                **values,
                dirty=dirty,
                dirty_since=case((dirty, Row.dirty_since), else_=None),
                updated_at=utcnow(),
            )
        )

    async def mark_stations(self, station_ids: Any, *, full: bool = False) -> None:
        """Something these stations' lists depend on changed (`station_ids`: ids or a subquery)."""
        values: dict[str, Any] = {
            "dirty": True,
            "dirty_since": func.coalesce(Row.dirty_since, utcnow()),
            "changes": Row.changes + 1,
            "updated_at": utcnow(),
        }
        if full:
            values["full_requested"] = True
        stmt = update(Row).values(**values)
        if station_ids is not None:
            stmt = stmt.where(Row.station_id.in_(station_ids))
        await self.session.execute(stmt)

    async def mark_locations(self, location_ids: Iterable[int]) -> None:
        """The lists of every station at these locations are due."""
        await self.mark_stations(_stations_at(location_ids))

    # --- which locations a change touches --------------------------------------------------------

    async def locations_for_token_orgs(self, org_paths: Sequence[str]) -> list[int]:
        """Locations whose list may hold tokens of these organisations: those owned by one of their
        ancestors (the implicit internal grant) and those where a grant's subject contains them."""
        prefixes = sorted({p for path in org_paths for p in _ancestor_paths(path)})
        if not prefixes:
            return []
        ancestors = select(Organisation.id).where(Organisation.path.in_(prefixes))
        owned = select(Location.id).where(Location.org_id.in_(ancestors))
        subject = func.coalesce(Grant.subject_org_id, Partnership.partner_org_id, Grant.host_org_id)
        grants = (
            select(Grant.id)
            .outerjoin(Partnership, Partnership.id == Grant.partnership_id)
            .where(subject.in_(ancestors))
        )
        return sorted(set(await self.session.scalars(union(owned, *_locations_of_grants(grants)))))

    async def locations_of_grants(self, grant_ids: Sequence[int]) -> list[int]:
        if not grant_ids:
            return []
        return sorted(set(await self.session.scalars(union(*_locations_of_grants(list(grant_ids))))))

    async def locations_of_partnerships(self, partnership_ids: Sequence[int]) -> list[int]:
        if not partnership_ids:
            return []
        grants = select(Grant.id).where(Grant.partnership_id.in_(list(partnership_ids)))
        return sorted(set(await self.session.scalars(union(*_locations_of_grants(grants)))))

    # --- facts for the desired list --------------------------------------------------------------

    async def candidate_tokens(self, org_paths: Sequence[str]) -> list[TokenFacts]:
        """Active tokens of these organisation subtrees: the only ones a grant at the location (or the
        owner's implicit one) can admit; the engine decides which it does."""
        if not org_paths:
            return []
        rows = await self.session.execute(
            select(
                Token.id,
                Token.uid,
                Token.type,
                Token.status,
                Token.valid_from,
                Token.valid_until,
                Token.group_id,
                Organisation.path,
            )
            .join(Organisation, Organisation.id == Token.org_id)
            .where(Token.status == "active", under(Organisation.path, tuple(sorted(set(org_paths)))))
        )
        return [
            TokenFacts(
                r.status, r.path, r.valid_from, r.valid_until, r.group_id, uid=r.uid, type=r.type, id=r.id
            )
            for r in rows
        ]

    # --- stations due ----------------------------------------------------------------------------

    async def due_stations(self, now: datetime, retry_after: timedelta) -> list[DueStation]:
        """Connected, accepted stations whose list is due: never synchronised, a new connection or
        boot since the last sync, a full sync asked for, a change not yet sent (after a failure only
        once `retry_after` has passed), or their next sync time reached."""
        s, r = ChargingStation, Row
        healthy = or_(r.last_result.is_(None), r.last_result == "ok")
        due = or_(
            r.station_id.is_(None),
            r.synced_connection_at.is_distinct_from(s.connected_at),
            r.synced_boot_at.is_distinct_from(s.last_boot_at),
            r.full_requested.is_(True),
            and_(r.dirty.is_(True), or_(healthy, r.last_attempt_at <= now - retry_after)),
            r.next_sync_at <= now,
        )
        rows = await self.session.execute(
            select(s.id, s.ocpp_id, s.protocol, s.connected_at, s.last_boot_at)
            .outerjoin(r, r.station_id == s.id)
            .where(s.connected.is_(True), s.registration_status == "accepted", due)
            .order_by(s.id)
        )
        return [DueStation(*row) for row in rows]

    # --- the report ------------------------------------------------------------------------------

    async def list_scoped(
        self,
        scope: Scope,
        now: datetime,
        *,
        org_prefix: str | None = None,
        state: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[tuple[ChargingStation, Row | None, str]]:
        """Stations the scope may read, with their list row and state, by station id."""
        state_col = state_of(now)
        stmt: Select[Any] = restrict(
            select(ChargingStation, Row, state_col.label("state")).outerjoin(
                Row, Row.station_id == ChargingStation.id
            ),
            scope,
            Resource.STATIONS,
            Action.READ,
        )
        if org_prefix is not None:
            in_orgs = select(Location.id).where(Location.org_id.in_(org_ids_under((org_prefix,))))
            stmt = stmt.where(ChargingStation.location_id.in_(in_orgs))
        if state is not None:
            stmt = stmt.where(state_col == state)
        if after_id is not None:
            stmt = stmt.where(ChargingStation.id > after_id)
        rows = await self.session.execute(stmt.order_by(ChargingStation.id).limit(limit))
        return [(station, row, str(st)) for station, row, st in rows]

    async def with_state(self, station_id: int, now: datetime) -> tuple[Row | None, str]:
        row = await self.session.get(Row, station_id)
        state = await self.session.scalar(
            select(state_of(now))
            .select_from(ChargingStation)
            .outerjoin(Row, Row.station_id == ChargingStation.id)
            .where(ChargingStation.id == station_id)
        )
        return row, str(state)
