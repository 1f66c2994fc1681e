"""Which OCPP 2.0.1 TransactionEvents (seqNos) a session has applied. The sessions and their
readings: sessions.py; meter values: meter_readings.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from depotshare.store.charging.models import TransactionEventRecord
from depotshare.store.common.base import utcnow
from depotshare.store.common.repository import Repository


class TransactionEvents(Repository):
    async def record(
        self,
        *,
        session_id: int,
        seq_no: int,
        event_type: str,
        trigger_reason: str,
        offline: bool,
        at: datetime,
    ) -> bool:
        """Note that the session applied this seqNo; False when it already had (one statement: the
        unique (session, seq_no) decides, so a concurrent replay cannot slip through either)."""
        dialect = self.session.get_bind().dialect.name
        stmt: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TransactionEventRecord)
        stmt = (
            stmt.values(
                session_id=session_id,
                seq_no=seq_no,
                event_type=event_type,
                trigger_reason=trigger_reason,
                offline=offline,
                at=at,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["session_id", "seq_no"])
            .returning(TransactionEventRecord.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None
