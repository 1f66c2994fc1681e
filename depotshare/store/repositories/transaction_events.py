"""SQL for OCPP 2.0.1 TransactionEvents: which seqNos a session has applied, and its register
readings for the final meter. The sessions and meter values themselves: charging.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.domain.charging.meter import ENERGY_REGISTER
from depotshare.store.models import MeterValue, TransactionEventRecord


async def seen(session: AsyncSession, session_id: int, seq_no: int) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    TransactionEventRecord.session_id == session_id, TransactionEventRecord.seq_no == seq_no
                )
            )
        )
    )


def add(
    session: AsyncSession,
    *,
    session_id: int,
    seq_no: int,
    event_type: str,
    trigger_reason: str,
    offline: bool,
    at: datetime,
) -> None:
    session.add(
        TransactionEventRecord(
            session_id=session_id,
            seq_no=seq_no,
            event_type=event_type,
            trigger_reason=trigger_reason,
            offline=offline,
            at=at,
        )
    )


async def event_types(session: AsyncSession, session_id: int) -> set[str]:
    rows = await session.scalars(
        select(TransactionEventRecord.event_type)
        .where(TransactionEventRecord.session_id == session_id)
        .distinct()
    )
    return set(rows)


async def register_readings(
    session: AsyncSession, session_id: int
) -> list[tuple[datetime, Decimal, str | None, int, str | None]]:
    """The session's unsigned whole-station import register samples in time order:
    (sampled_at, value, unit, multiplier, context)."""
    rows = await session.execute(
        select(
            MeterValue.sampled_at,
            MeterValue.value,
            MeterValue.unit,
            MeterValue.multiplier,
            MeterValue.context,
        )
        .where(
            MeterValue.session_id == session_id,
            MeterValue.measurand == ENERGY_REGISTER,
            MeterValue.phase.is_(None),
            MeterValue.signed_data.is_(None),
        )
        .order_by(MeterValue.sampled_at, MeterValue.id)
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
