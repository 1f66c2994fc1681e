"""Facility side: locations, charging stations, EVSEs, connectors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from depotshare.store.common.base import Base, UTCDateTime, utcnow


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(3))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    # OCPI PublishTokenType objects ({uid, type, visual_number, issuer, group_id}): a private
    # location (publish false) with entries here is shown over OCPI to those drivers only.
    publish_allowed_to: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    grid_limit_kw: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # A charger at an employee's home (brief case B): billed and shown as that employee's.
    is_home: Mapped[bool] = mapped_column(Boolean, default=False)
    home_employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )
    # Unknown stations whose identity starts with this prefix may connect and wait as `pending`
    # for an operator to accept them here; without it unknown stations are refused.
    admit_station_prefix: Mapped[str | None] = mapped_column(String(48), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChargingStation(Base):
    __tablename__ = "charging_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    ocpp_id: Mapped[str] = mapped_column(String(48), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_check: Mapped[str | None] = mapped_column(String(64))  # services/security.password_check
    vendor: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(50))
    serial_number: Mapped[str | None] = mapped_column(String(50))
    firmware_version: Mapped[str | None] = mapped_column(String(50))
    # accepted | pending | rejected: the BootNotification answer; pending until an operator accepts.
    registration_status: Mapped[str] = mapped_column(
        String(16), default="accepted", server_default="accepted"
    )
    # Live state, kept by the OCPP gateway.
    protocol: Mapped[str | None] = mapped_column(String(16))
    connected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_boot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    iccid: Mapped[str | None] = mapped_column(String(20))
    imsi: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evse(Base):
    __tablename__ = "evses"
    __table_args__ = (UniqueConstraint("station_id", "evse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("charging_stations.id", ondelete="CASCADE"), index=True
    )
    evse_id: Mapped[int] = mapped_column(Integer)


class Connector(Base):
    __tablename__ = "connectors"
    __table_args__ = (UniqueConstraint("evse_pk", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evse_pk: Mapped[int] = mapped_column(ForeignKey("evses.id", ondelete="CASCADE"), index=True)
    connector_id: Mapped[int] = mapped_column(Integer)
    standard: Mapped[str] = mapped_column(String(40))
    max_kw: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
