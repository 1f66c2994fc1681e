"""What stations report over OCPP about themselves: connector status (the current state and its
history) and the other events kept verbatim. Statements are few per message, never one per row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from depotshare.store.charging.models import ConnectorStatus, StationEvent, StatusEvent
from depotshare.store.common.repository import Repository

TimeKey = tuple[datetime, int]  # (the station's time, row id): where a newest-first page goes on


class StationReports(Repository):
    def add_event(self, station_pk: int, kind: str, at: datetime, payload: dict[str, Any]) -> None:
        self.session.add(StationEvent(station_id=station_pk, kind=kind, at=at, payload=payload))

    async def record_status(self, values: dict[str, Any]) -> None:
        """Append to the history and upsert the current state in two statements; an older report
        (queued offline) never overwrites a newer current state."""
        history = {k: v for k, v in values.items() if k != "vendor_id"}
        await self.session.execute(insert(StatusEvent).values(**history))
        dialect = self.session.get_bind().dialect.name
        stmt: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ConnectorStatus)
        stmt = stmt.values(**values)
        changed = {k: stmt.excluded[k] for k in values if k not in ("station_id", "evse_id", "connector_id")}
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["station_id", "evse_id", "connector_id"],
                set_=changed,
                where=ConnectorStatus.at <= stmt.excluded.at,
            )
        )

    async def connector_statuses(self, station_pk: int) -> list[ConnectorStatus]:
        stmt = (
            select(ConnectorStatus)
            .where(ConnectorStatus.station_id == station_pk)
            .order_by(ConnectorStatus.evse_id, ConnectorStatus.connector_id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def status_events(
        self, station_pk: int, *, before: TimeKey | None = None, limit: int = 50
    ) -> list[StatusEvent]:
        """The station's status history, newest first by the station's own time."""
        stmt = select(StatusEvent).where(StatusEvent.station_id == station_pk)
        if before is not None:
            at, last_id = before
            stmt = stmt.where(or_(StatusEvent.at < at, and_(StatusEvent.at == at, StatusEvent.id < last_id)))
        stmt = stmt.order_by(StatusEvent.at.desc(), StatusEvent.id.desc()).limit(limit)
        return list((await self.session.scalars(stmt)).all())
