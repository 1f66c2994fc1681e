"""OCPI roaming: the parties (eMSPs, hubs) allowed to read published locations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from depotshare.store.common.base import Base, UTCDateTime, utcnow


class RoamingPartner(Base):
    """An OCPI party and the credentials token it presents (`Authorization: Token ...`).

    Only the sha256 of the token is kept: the token is high-entropy, so a plain digest is enough
    and lets a request find its partner with one indexed lookup."""

    __tablename__ = "roaming_partners"
    __table_args__ = (UniqueConstraint("country_code", "party_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    party_id: Mapped[str] = mapped_column(String(3))  # ISO 15118 party id
    role: Mapped[str] = mapped_column(String(8), default="EMSP")  # OCPI Role
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
