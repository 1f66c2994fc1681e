"""Offline authorisation: each station's OCPP Local Authorization List as the station last
confirmed it, what the station says it can hold, and when it is due for the next sync."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from depotshare.store.common.base import Base, UTCDateTime, utcnow


class StationLocalList(Base):
    """One row per station that was ever synchronised (none yet: never synchronised)."""

    __tablename__ = "station_local_lists"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("charging_stations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # What the station confirmed: its list version and the entries it accepted (repositories/
    # local_lists.py has their JSON form); NULL version: unknown, the next sync sends a Full list.
    version: Mapped[int | None] = mapped_column(Integer)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    entry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # domain.access.local_list.fingerprint
    # What the engine admitted at the last sync, and how many of those the station does not hold
    # (beyond its size, or an id too long for its protocol).
    admitted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    left_out: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The station's limits (None: it did not say).
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    max_entries: Mapped[int | None] = mapped_column(Integer)
    items_per_message: Mapped[int | None] = mapped_column(Integer)
    bytes_per_message: Mapped[int | None] = mapped_column(Integer)
    limits_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Something the list depends on changed since the last sync. `changes` counts the marks, so a
    # sync clears `dirty` only when no mark came while it talked to the station.
    dirty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    dirty_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    full_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The connection and boot the last sync served: a new one is a reason to sync again.
    synced_connection_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_boot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last successful one
    # ok | failed | version_mismatch | not_supported | timeout | offline | error
    last_result: Mapped[str | None] = mapped_column(String(24))
    last_detail: Mapped[str | None] = mapped_column(String(200))
    # A window opening or an entry expiring, the periodic version check, or a retry.
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
