"""What stations report: connector status (current and history), charging sessions with their
frozen attribution, meter values, and other station events. Written by the OCPP gateway's services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from depotshare.store.common.base import Base, UTCDateTime, utcnow

# 64-bit ids for the high-volume tables; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class ConnectorStatus(Base):
    """The latest status per connector (connector 0 / evse 0 = the whole station)."""

    __tablename__ = "connector_statuses"
    __table_args__ = (UniqueConstraint("station_id", "evse_id", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("charging_stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int] = mapped_column(Integer)
    connector_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(50))
    info: Mapped[str | None] = mapped_column(String(255))
    vendor_id: Mapped[str | None] = mapped_column(String(255))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # the station's own timestamp
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusEvent(Base):
    """Every status notification, in the order the station reported them."""

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_station_at", "station_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("charging_stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int] = mapped_column(Integer)
    connector_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(50))
    info: Mapped[str | None] = mapped_column(String(255))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChargingSession(Base):
    """One charging transaction, the same for OCPP 1.6 and 2.0.1.

    The attribution columns are a snapshot taken at the start and never follow later changes of
    the token, employee or organisation tree: they are what billing and reports rely on. They are
    plain ids without foreign keys so the facts outlive deleted objects.
    """

    __tablename__ = "charging_sessions"
    __table_args__ = (
        UniqueConstraint("station_id", "transaction_id"),
        # A retried 1.6 StartTransaction (same connector, idTag, timestamp, meterStart) finds its session.
        UniqueConstraint("station_id", "start_key"),
        Index("ix_charging_sessions_station_state", "station_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("charging_stations.id"), index=True)
    location_id: Mapped[int] = mapped_column(Integer, index=True)
    evse_id: Mapped[int | None] = mapped_column(Integer)
    connector_id: Mapped[int | None] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(16))
    transaction_id: Mapped[str] = mapped_column(String(36))
    start_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # active | completed | orphan
    id_token: Mapped[str | None] = mapped_column(String(64), index=True)
    id_token_type: Mapped[str | None] = mapped_column(String(20))
    token_id: Mapped[int | None] = mapped_column(Integer, index=True)
    auth_status: Mapped[str | None] = mapped_column(String(24))  # what we answered the station
    auth_reason: Mapped[str | None] = mapped_column(String(200))
    # The rest of that answer (1.6 idTagInfo expiryDate, parentIdTag): a retried start gets it again.
    auth_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auth_group: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meter_start_wh: Mapped[int | None] = mapped_column(BigInteger)
    meter_stop_wh: Mapped[int | None] = mapped_column(BigInteger)
    energy_wh: Mapped[int | None] = mapped_column(BigInteger)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    # Anomalies that keep a session out of billing until reviewed: unauthorised, orphan,
    # stop_below_start, meter_backwards, missing_stop, closed_on_reboot, ...
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)  # some event was queued offline
    last_seq_no: Mapped[int | None] = mapped_column(Integer)  # 2.0.1 TransactionEvent order
    # Frozen attribution snapshot.
    owner_org_id: Mapped[int] = mapped_column(Integer, index=True)  # the location's organisation
    token_org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    employee_id: Mapped[int | None] = mapped_column(Integer, index=True)
    vehicle_id: Mapped[int | None] = mapped_column(Integer)
    cost_centre_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TransactionEventRecord(Base):
    """OCPP 2.0.1 TransactionEvents applied to a session; (session, seq_no) makes replays no-ops."""

    __tablename__ = "transaction_events"
    __table_args__ = (UniqueConstraint("session_id", "seq_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("charging_sessions.id", ondelete="CASCADE"))
    seq_no: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(16))
    trigger_reason: Mapped[str] = mapped_column(String(40))
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeterValue(Base):
    """One sampled value. The (session_id, sampled_at) index keeps "all samples of a session" fast."""

    __tablename__ = "meter_values"
    __table_args__ = (
        Index("ix_meter_values_session_sampled", "session_id", "sampled_at"),
        Index("ix_meter_values_station_sampled", "station_id", "sampled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("charging_sessions.id", ondelete="CASCADE"))
    station_id: Mapped[int] = mapped_column(ForeignKey("charging_stations.id", ondelete="CASCADE"))
    evse_id: Mapped[int | None] = mapped_column(Integer)
    connector_id: Mapped[int | None] = mapped_column(Integer)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    measurand: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str | None] = mapped_column(String(8))
    unit: Mapped[str | None] = mapped_column(String(16))
    multiplier: Mapped[int] = mapped_column(Integer, default=0)  # 2.0.1 unitOfMeasure.multiplier
    context: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    signed_data: Mapped[str | None] = mapped_column(Text)  # e.g. OCMF, kept verbatim
    signing_method: Mapped[str | None] = mapped_column(String(50))
    public_key: Mapped[str | None] = mapped_column(Text)


class StationEvent(Base):
    """Other things a station tells us, kept verbatim: boots, firmware and diagnostics status,
    security events, NotifyEvent/NotifyReport, DataTransfer."""

    __tablename__ = "station_events"
    __table_args__ = (Index("ix_station_events_station_at", "station_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("charging_stations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
