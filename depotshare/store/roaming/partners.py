"""The roaming partners repository (platform-wide OCPI parties)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from depotshare.store.common.repository import Repository
from depotshare.store.roaming.models import RoamingPartner


class RoamingPartners(Repository):
    async def get_by_key(self, key: str) -> RoamingPartner | None:
        return await self.session.scalar(select(RoamingPartner).where(RoamingPartner.key == key))

    async def find_by_token_hashes(self, hashes: Sequence[str]) -> list[RoamingPartner]:
        if not hashes:
            return []
        stmt = select(RoamingPartner).where(RoamingPartner.token_hash.in_(set(hashes)))
        return list((await self.session.scalars(stmt)).all())

    async def get_by_party(self, country_code: str, party_id: str, role: str) -> RoamingPartner | None:
        stmt = select(RoamingPartner).where(
            RoamingPartner.country_code == country_code,
            RoamingPartner.party_id == party_id,
            RoamingPartner.role == role,
        )
        return await self.session.scalar(stmt)

    async def list_partners(self, *, after_id: int | None = None, limit: int = 50) -> list[RoamingPartner]:
        stmt = select(RoamingPartner)
        if after_id is not None:
            stmt = stmt.where(RoamingPartner.id > after_id)
        return list((await self.session.scalars(stmt.order_by(RoamingPartner.id).limit(limit))).all())
