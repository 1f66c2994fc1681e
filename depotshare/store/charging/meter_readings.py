"""The samples stations report (meter values): written as one executemany per message, read by
what they are checked against when a message comes again, and a session's samples a page at a
time. Which of them are register readings, the session's rules read in store/charging/sessions.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select

from depotshare.store.charging.models import MeterValue
from depotshare.store.common.repository import Repository

TimeKey = tuple[datetime, int]  # (time, id): where a page of a time series ended

_INSERT_METER_VALUE = insert(MeterValue.__table__)  # type: ignore[arg-type]  # a Table


class MeterReadings(Repository):
    async def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """One executemany INSERT of plain rows (keys are column names) on the session's connection,
        in its transaction: no ORM bulk path, which cost twice the CPU per MeterValues."""
        if rows:
            connection = await self.session.connection()
            await connection.execute(_INSERT_METER_VALUE, rows)

    async def between(
        self,
        station_id: int,
        session_id: int | None,
        first: datetime,
        last: datetime,
        columns: Sequence[str],
    ) -> list[tuple[Any, ...]]:
        """`columns` of the samples of a session (None: of the station, outside any session)
        sampled from `first` to `last` (the session and station indexes serve both)."""
        owner = (
            MeterValue.session_id == session_id
            if session_id is not None
            else and_(MeterValue.station_id == station_id, MeterValue.session_id.is_(None))
        )
        table = MeterValue.__table__
        stmt = select(*(table.c[name] for name in columns)).where(
            owner, MeterValue.sampled_at >= first, MeterValue.sampled_at <= last
        )
        return [tuple(row) for row in await self.session.execute(stmt)]

    async def of_session(
        self,
        session_id: int,
        *,
        measurand: str | None = None,
        after: TimeKey | None = None,
        limit: int = 50,
    ) -> list[MeterValue]:
        """The samples of one session in time order (the session index serves this)."""
        stmt = select(MeterValue).where(MeterValue.session_id == session_id)
        if measurand is not None:
            stmt = stmt.where(MeterValue.measurand == measurand)
        if after is not None:
            at, last_id = after
            stmt = stmt.where(
                or_(MeterValue.sampled_at > at, and_(MeterValue.sampled_at == at, MeterValue.id > last_id))
            )
        stmt = stmt.order_by(MeterValue.sampled_at, MeterValue.id).limit(limit)
        return list((await self.session.scalars(stmt)).all())
