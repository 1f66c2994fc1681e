"""The charging stations repository: stations with their EVSEs and connectors (within a scope for
what callers see), and the live state the OCPP gateway keeps on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update

from depotshare.domain.orgs.roles import Action, Resource
from depotshare.domain.orgs.scope import Scope
from depotshare.domain.sites.assets import ConnectorSpec, EvseSpec
from depotshare.store.common.repository import Repository
from depotshare.store.common.scoping import org_ids_under, restrict
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

EvseRows = list[tuple[Evse, list[Connector]]]


class Stations(Repository):
    async def get_by_id(self, station_pk: int) -> ChargingStation | None:
        return await self.session.get(ChargingStation, station_pk)

    async def get_by_ocpp_id(self, ocpp_id: str) -> ChargingStation | None:
        return await self.session.scalar(select(ChargingStation).where(ChargingStation.ocpp_id == ocpp_id))

    async def get_scoped(self, scope: Scope, ocpp_id: str, action: Action) -> ChargingStation | None:
        stmt = restrict(
            select(ChargingStation).where(ChargingStation.ocpp_id == ocpp_id),
            scope,
            Resource.STATIONS,
            action,
        )
        station: ChargingStation | None = await self.session.scalar(stmt)
        return station

    async def list_scoped(
        self,
        scope: Scope,
        *,
        org_prefix: str | None = None,
        location_id: int | None = None,
        q: str | None = None,
        registration_status: str | None = None,
        online_since: tuple[bool, datetime] | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[ChargingStation]:
        """`online_since` (online?, heard from since): online stations hold a connection and were
        heard from since then; the others are offline."""
        # Only ChargingStation in FROM: the scope's owning-org subquery correlates on it.
        stmt: Select[Any] = restrict(select(ChargingStation), scope, Resource.STATIONS)
        if org_prefix is not None:
            in_orgs = select(Location.id).where(Location.org_id.in_(org_ids_under((org_prefix,))))
            stmt = stmt.where(ChargingStation.location_id.in_(in_orgs))
        if location_id is not None:
            stmt = stmt.where(ChargingStation.location_id == location_id)
        if q:
            stmt = stmt.where(func.lower(ChargingStation.ocpp_id).like(f"%{q.lower()}%"))
        if registration_status is not None:
            stmt = stmt.where(ChargingStation.registration_status == registration_status)
        if online_since is not None:
            online, since = online_since
            live = ChargingStation.connected.is_(True) & (ChargingStation.last_seen_at >= since)
            stmt = stmt.where(live if online else ~live | ChargingStation.last_seen_at.is_(None))
        if after_id is not None:
            stmt = stmt.where(ChargingStation.id > after_id)
        return list((await self.session.scalars(stmt.order_by(ChargingStation.id).limit(limit))).all())

    async def evses_of(self, station_ids: Sequence[int]) -> dict[int, EvseRows]:
        """Station pk -> its EVSEs in number order, each with its connectors in number order."""
        out: dict[int, EvseRows] = {i: [] for i in station_ids}
        if not station_ids:
            return out
        evses = (
            await self.session.scalars(
                select(Evse)
                .where(Evse.station_id.in_(set(station_ids)))
                .order_by(Evse.station_id, Evse.evse_id)
            )
        ).all()
        by_evse = await self._connectors_of([e.id for e in evses])
        for evse in evses:
            out[evse.station_id].append((evse, by_evse[evse.id]))
        return out

    async def _connectors_of(self, evse_pks: Sequence[int]) -> dict[int, list[Connector]]:
        out: dict[int, list[Connector]] = {i: [] for i in evse_pks}
        if not evse_pks:
            return out
        rows = await self.session.scalars(
            select(Connector).where(Connector.evse_pk.in_(set(evse_pks))).order_by(Connector.connector_id)
        )
        for c in rows:
            out[c.evse_pk].append(c)
        return out

    async def get_evse(self, station_pk: int, evse_id: int) -> Evse | None:
        stmt = select(Evse).where(Evse.station_id == station_pk, Evse.evse_id == evse_id)
        return await self.session.scalar(stmt)

    async def add_evse(self, station_pk: int, spec: EvseSpec) -> Evse:
        evse = Evse(station_id=station_pk, evse_id=spec.id)
        self.session.add(evse)
        await self.session.flush()
        await self.replace_connectors(evse, spec.connectors, existing=[])
        return evse

    async def replace_connectors(
        self, evse: Evse, specs: Sequence[ConnectorSpec], existing: Sequence[Connector] | None = None
    ) -> list[Connector]:
        """Make the EVSE's connectors exactly `specs`; rows keep their identity where the number
        stays. `existing`: its connectors now, when the caller knows them. Returns them by number."""
        if existing is None:
            existing = (await self._connectors_of([evse.id]))[evse.id]
        by_number = {c.connector_id: c for c in existing}
        wanted = {s.id for s in specs}
        for number, old in by_number.items():
            if number not in wanted:
                await self.session.delete(old)
        await self.session.flush()
        out = []
        for spec in sorted(specs, key=lambda s: s.id):
            row = by_number.get(spec.id)
            if row is None:
                row = Connector(
                    evse_pk=evse.id, connector_id=spec.id, standard=spec.standard, max_kw=spec.max_kw
                )
                self.session.add(row)
            elif (row.standard, row.max_kw) != (spec.standard, spec.max_kw):
                row.standard, row.max_kw = spec.standard, spec.max_kw
            out.append(row)
        await self.session.flush()
        return out

    async def replace_evses(
        self, station_pk: int, specs: Sequence[EvseSpec], existing: EvseRows | None = None
    ) -> EvseRows:
        """Make the station's EVSEs exactly `specs`, updating EVSEs whose number stays in place.
        `existing`: its EVSEs now, when the caller knows them. Returns them by number."""
        if existing is None:
            existing = (await self.evses_of([station_pk]))[station_pk]
        by_number = {e.evse_id: (e, cs) for e, cs in existing}
        wanted = {s.id for s in specs}
        for number, (old, _) in by_number.items():
            if number not in wanted:
                await self.session.delete(old)
        await self.session.flush()
        out: EvseRows = []
        for spec in sorted(specs, key=lambda s: s.id):
            found = by_number.get(spec.id)
            if found is None:
                evse = Evse(station_id=station_pk, evse_id=spec.id)
                self.session.add(evse)
                await self.session.flush()
                out.append((evse, await self.replace_connectors(evse, spec.connectors, existing=[])))
            else:
                evse, connectors = found
                out.append((evse, await self.replace_connectors(evse, spec.connectors, connectors)))
        return out

    async def station_ids_by_id(self, ids: Sequence[int]) -> dict[int, str]:
        """Station pk -> OCPP identity."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(ChargingStation.id, ChargingStation.ocpp_id).where(ChargingStation.id.in_(wanted))
        )
        return {r.id: r.ocpp_id for r in rows}

    # --- live state, kept by the OCPP gateway ----------------------------------------------------

    async def set_connected(self, station_pk: int, protocol: str, at: datetime) -> None:
        await self.session.execute(
            update(ChargingStation)
            .where(ChargingStation.id == station_pk)
            .values(connected=True, connected_at=at, protocol=protocol, last_seen_at=at)
        )

    async def set_disconnected(self, station_pk: int, connected_at: datetime) -> None:
        # Only the connection that is still recorded: a newer one has its own connected_at.
        await self.session.execute(
            update(ChargingStation)
            .where(ChargingStation.id == station_pk, ChargingStation.connected_at == connected_at)
            .values(connected=False)
        )

    async def clear_all_connections(self) -> int:
        result = await self.session.execute(
            update(ChargingStation).where(ChargingStation.connected.is_(True)).values(connected=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def touch(self, station_pk: int, at: datetime) -> None:
        await self.session.execute(
            update(ChargingStation).where(ChargingStation.id == station_pk).values(last_seen_at=at)
        )
