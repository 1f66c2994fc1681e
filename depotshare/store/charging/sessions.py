"""The charging session aggregate in and out of its row: read with the register readings its rules
need (one typed readings query), written back as one statement of what changed. The session's
rules are domain/charging/sessions.py; nothing here decides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, and_, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from depotshare.domain.charging.attribution import Attribution
from depotshare.domain.charging.meter import ENERGY_REGISTER, REGISTER_UNITS, Reading, to_wh
from depotshare.domain.charging.sessions import Answer, ChargingSession, Flag, SessionState, Stop
from depotshare.domain.common.errors import Conflict
from depotshare.store.charging.models import ChargingSession as SessionRow
from depotshare.store.charging.models import MeterValue
from depotshare.store.common.base import UTCDateTime, utcnow
from depotshare.store.common.repository import Repository

Span = tuple[datetime, datetime]  # the first and last time of the readings a message brings

# domain.charging.meter.is_register_reading in SQL, on its own constants: the only place the
# store decides which stored samples are register readings (tests/ocpp/test_register_rule.py
# holds the two to the same answers).
REGISTER_READING = and_(
    MeterValue.measurand == ENERGY_REGISTER,
    or_(MeterValue.unit.is_(None), MeterValue.unit.in_(REGISTER_UNITS)),
    MeterValue.phase.is_(None),
    MeterValue.signed_data.is_(None),
)


@dataclass(frozen=True)
class StoredSession:
    id: int
    station_id: int
    charging: ChargingSession  # as read (or last written): what `save` compares against


class Sessions(Repository):
    async def find(
        self,
        station_id: int,
        transaction_ids: Sequence[str],
        *,
        readings: Span | Literal["all"] | None = "all",
    ) -> StoredSession | None:
        """The session of any of the transaction ids (e.g. the id and its orphan form) with the
        readings its rules need: all of them; or, for a message bringing readings of a span while
        the session is open, those around it (the last before, those within, the first after); or
        none, for a message bringing no readings."""
        row = (
            await self.session.execute(
                select(SessionRow.__table__)
                .where(SessionRow.station_id == station_id, SessionRow.transaction_id.in_(transaction_ids))
                .limit(1)
            )
        ).one_or_none()
        if row is None:
            return None
        if readings is None:
            return _stored(row, [], complete=False)
        open_ = row.state == SessionState.ACTIVE.value
        span = readings if isinstance(readings, tuple) and open_ else None
        found = (await self.register_readings([row.id], around=span)).get(row.id, [])
        return _stored(row, found, complete=span is None)

    async def find_by_start_key(self, station_id: int, start_key: str) -> StoredSession | None:
        """The session a start with this key opened, without its readings (a retried start is
        answered from the session, it changes nothing)."""
        row = (
            await self.session.execute(
                select(SessionRow.__table__).where(
                    SessionRow.station_id == station_id, SessionRow.start_key == start_key
                )
            )
        ).one_or_none()
        return None if row is None else _stored(row, [], complete=False)

    async def open_at(self, station_id: int) -> list[StoredSession]:
        """The station's open sessions with all their readings, in two statements however many."""
        rows = (
            await self.session.execute(
                select(SessionRow.__table__)
                .where(SessionRow.station_id == station_id, SessionRow.state == SessionState.ACTIVE.value)
                .order_by(SessionRow.id)
            )
        ).all()
        readings = await self.register_readings([row.id for row in rows]) if rows else {}
        return [_stored(row, readings.get(row.id, []), complete=True) for row in rows]

    async def insert(
        self, station_id: int, location_id: int, session: ChargingSession, start_key: str | None = None
    ) -> StoredSession:
        values = {
            "station_id": station_id,
            "location_id": location_id,
            "start_key": start_key,
            **_columns(session),
        }
        stmt = insert(SessionRow).values(**values).returning(SessionRow.id)
        try:
            new_id = (await self.session.execute(stmt)).scalar_one()
        except IntegrityError as e:  # a concurrent start of the same transaction got there first
            raise Conflict("this transaction is being recorded already") from e
        return StoredSession(new_id, station_id, session)

    async def save(self, stored: StoredSession, session: ChargingSession) -> StoredSession:
        """Write what changed since `stored` was read, in one UPDATE (none when nothing did)."""
        before = _columns(stored.charging)
        changed = {k: v for k, v in _columns(session).items() if before[k] != v}
        if changed:
            await self.session.execute(update(SessionRow).where(SessionRow.id == stored.id).values(**changed))
        return StoredSession(stored.id, stored.station_id, session)

    async def save_all(self, changes: Sequence[tuple[StoredSession, ChargingSession]]) -> None:
        """`save` for several sessions, in one statement (each row written whole)."""
        rows = [
            {"id": stored.id, **_columns(session), "updated_at": utcnow()}
            for stored, session in changes
            if _columns(session) != _columns(stored.charging)
        ]
        if rows:
            await self.session.execute(update(SessionRow), rows)

    async def register_readings(
        self, session_ids: Sequence[int], *, around: Span | None = None
    ) -> dict[int, list[Reading]]:
        """The register readings of sessions in Wh, in time order: all of them, or (one session)
        those around a span: from the last one before it to the first one after it. One statement."""
        mv = MeterValue
        where: list[ColumnElement[bool]] = [mv.session_id.in_(session_ids), REGISTER_READING]
        if around is not None:
            (session_id,) = session_ids
            first, last = (literal(t, UTCDateTime()) for t in around)
            mine = and_(mv.session_id == session_id, REGISTER_READING)
            before = select(func.max(mv.sampled_at)).where(mine, mv.sampled_at < first).scalar_subquery()
            after = select(func.min(mv.sampled_at)).where(mine, mv.sampled_at > last).scalar_subquery()
            where += [
                mv.sampled_at >= func.coalesce(before, first),
                mv.sampled_at <= func.coalesce(after, last),
            ]
        rows = await self.session.execute(
            select(mv.session_id, mv.sampled_at, mv.value, mv.unit, mv.multiplier, mv.context)
            .where(*where)
            .order_by(mv.session_id, mv.sampled_at, mv.id)
        )
        found: dict[int, list[Reading]] = {}
        for owner, at, value, unit, multiplier, context in rows:
            found.setdefault(cast(int, owner), []).append(
                Reading(at, to_wh(value, unit, multiplier), context)
            )
        return found


# --- rows <-> the aggregate -----------------------------------------------------------------


def _stored(row: Any, readings: Iterable[Reading], *, complete: bool) -> StoredSession:
    stop = None
    if row.state != SessionState.ACTIVE.value and row.stopped_at is not None:
        stop = Stop(row.stopped_at, row.meter_stop_wh, row.stop_reason)
    answer = None
    if row.auth_status is not None:
        answer = Answer(row.auth_status, row.auth_reason or "", row.auth_expires_at, row.auth_group)
    session = ChargingSession(
        transaction_id=row.transaction_id,
        protocol=row.protocol,
        attribution=Attribution(
            owner_org_id=row.owner_org_id,
            id_token=row.id_token,
            id_token_type=row.id_token_type,
            token_id=row.token_id,
            token_org_id=row.token_org_id,
            employee_id=row.employee_id,
            vehicle_id=row.vehicle_id,
            cost_centre_id=row.cost_centre_id,
        ),
        started_at=row.started_at,
        meter_start_wh=row.meter_start_wh,
        answer=answer,
        evse_id=row.evse_id,
        connector_id=row.connector_id,
        flags=frozenset(Flag(f) for f in row.flags or ()),
        stop=stop,
        readings=frozenset(readings),
        readings_complete=complete,
        offline=row.offline,
        last_seq_no=row.last_seq_no,
    )
    return StoredSession(row.id, row.station_id, session)


def _columns(s: ChargingSession) -> dict[str, Any]:
    a, answer, stop = s.attribution, s.answer, s.stop
    return {
        "transaction_id": s.transaction_id,
        "protocol": s.protocol,
        "evse_id": s.evse_id,
        "connector_id": s.connector_id,
        "state": s.state.value,
        "started_at": s.started_at,
        "stopped_at": stop.at if stop else None,
        "meter_start_wh": s.meter_start_wh,
        "meter_stop_wh": s.meter_stop_wh,
        "energy_wh": s.energy_wh,
        "stop_reason": stop.reason if stop else None,
        "flags": s.flag_names,
        "flagged": bool(s.flags),
        "offline": s.offline,
        "last_seq_no": s.last_seq_no,
        "auth_status": answer.status if answer else None,
        "auth_reason": answer.reason if answer else None,
        "auth_expires_at": answer.expires_at if answer else None,
        "auth_group": answer.group if answer else None,
        "owner_org_id": a.owner_org_id,
        "id_token": a.id_token,
        "id_token_type": a.id_token_type,
        "token_id": a.token_id,
        "token_org_id": a.token_org_id,
        "employee_id": a.employee_id,
        "vehicle_id": a.vehicle_id,
        "cost_centre_id": a.cost_centre_id,
    }
