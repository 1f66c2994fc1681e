"""Partner access: tariffs, partnerships between a host and a partner organisation, the access
grants that open a host's chargers, and the per-location decision log (append-only, hash-chained;
see domain/access/decision_chain.py for the chain)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from depotshare.store.common.base import Base, UTCDateTime, utcnow

# 64-bit ids for the decision log; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Tariff(Base):
    """An OCPI 2.2.1 tariff. `elements` is the validated TariffElement list with every decimal
    (price, vat) kept as a string, so no float ever touches money."""

    __tablename__ = "tariffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # The organisation that owns it; NULL = a platform-wide tariff of the operator.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    elements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Partnership(Base):
    """A host organisation opens chargers to a partner organisation (and its subtree)."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("host_org_id", "partner_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    host_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended | ended
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    tariff_id: Mapped[int | None] = mapped_column(ForeignKey("tariffs.id", ondelete="SET NULL"), index=True)
    # [{"party": org key or "operator", "percent": "70"}], percents summing to 100; [] = none agreed.
    revenue_share: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Grant(Base):
    """Who may charge where and when. A grant of a partnership admits the partner's tokens; one
    without a partnership is an explicit grant for the host's own internal fleet. Where it applies
    is in grant_scopes; a grant without scope rows admits nowhere (default deny)."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optional stable name within the partnership (the import matches grants by it).
    key: Mapped[str | None] = mapped_column(String(64))
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    host_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Whose tokens it admits: this organisation's subtree; NULL = the partnership's partner (or,
    # for an internal grant, the host).
    subject_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Only tokens of this group (OCPP parentIdTag / groupIdToken); NULL = all of the subject's tokens.
    group_id: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # [{"days": ["mon", ...], "start": "HH:MM", "end": "HH:MM"}] in the location's local time; a
    # window whose end is not after its start crosses midnight. [] = at any time.
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_concurrent: Mapped[int | None] = mapped_column(Integer)
    max_power_kw: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    connector_standards: Mapped[list[str] | None] = mapped_column(JSON)  # NULL = any
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 = highest
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GrantScope(Base):
    """One place a grant applies: a whole location, a station, or one EVSE of a station."""

    __tablename__ = "grant_scopes"
    __table_args__ = (
        CheckConstraint(
            "(location_id IS NULL) <> (station_id IS NULL) AND (evse_id IS NULL OR station_id IS NOT NULL)",
            name="one_place",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    station_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_stations.id", ondelete="CASCADE"), index=True
    )
    evse_id: Mapped[int | None] = mapped_column(Integer)  # the EVSE number within the station


class AccessDecision(Base):
    """The per-location decision log. Append-only; each entry's `hash` covers its fields and the
    previous entry's hash of the same location (domain/access/decision_chain.py). Plain ids without foreign
    keys: the record outlives the token, grant and organisation it names."""

    __tablename__ = "access_decisions"
    __table_args__ = (
        Index("ix_access_decisions_location_id_id", "location_id", "id"),
        Index("ix_access_decisions_location_at", "location_id", "at"),
        # Two writers appending to one location from the same head cannot both succeed.
        UniqueConstraint("location_id", "prev_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    location_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    station_id: Mapped[int | None] = mapped_column(Integer)
    evse_id: Mapped[int | None] = mapped_column(Integer)
    id_token: Mapped[str | None] = mapped_column(String(64))
    token_id: Mapped[int | None] = mapped_column(Integer, index=True)
    token_org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    partner_org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    grant_id: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(24))  # the status answered, e.g. Accepted, Invalid
    reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # Authorize | Start | Remote | LocalList
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AccessLogHead(Base):
    """The last hash of each location's decision log, moved in the same transaction as the append.
    A chain alone cannot show entries cut from its end; the head can. It is also the row appends
    of one location lock, so their order is the chain's order."""

    __tablename__ = "access_log_heads"

    location_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
