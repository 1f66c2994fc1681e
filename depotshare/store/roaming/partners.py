"""Queries on roaming partners (platform-wide OCPI parties)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.store.roaming.models import RoamingPartner


async def get_by_key(session: AsyncSession, key: str) -> RoamingPartner | None:
    return await session.scalar(select(RoamingPartner).where(RoamingPartner.key == key))


async def find_by_token_hashes(session: AsyncSession, hashes: Sequence[str]) -> list[RoamingPartner]:
    if not hashes:
        return []
    stmt = select(RoamingPartner).where(RoamingPartner.token_hash.in_(set(hashes)))
    return list((await session.scalars(stmt)).all())


async def get_by_party(
    session: AsyncSession, country_code: str, party_id: str, role: str
) -> RoamingPartner | None:
    stmt = select(RoamingPartner).where(
        RoamingPartner.country_code == country_code,
        RoamingPartner.party_id == party_id,
        RoamingPartner.role == role,
    )
    return await session.scalar(stmt)


async def list_partners(
    session: AsyncSession, *, after_id: int | None = None, limit: int = 50
) -> list[RoamingPartner]:
    stmt = select(RoamingPartner)
    if after_id is not None:
        stmt = stmt.where(RoamingPartner.id > after_id)
    return list((await session.scalars(stmt.order_by(RoamingPartner.id).limit(limit))).all())
