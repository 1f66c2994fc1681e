"""Personal API keys: looked up by their public prefix when presented, listed for their owner."""

from __future__ import annotations

from sqlalchemy import select

from depotshare.store.common.repository import Repository
from depotshare.store.orgs.models import ApiKey


class ApiKeys(Repository):
    async def get_by_id(self, key_id: int) -> ApiKey | None:
        return await self.session.get(ApiKey, key_id)

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        return await self.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))

    async def of_user(self, user_id: int) -> list[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id)
        return list((await self.session.scalars(stmt)).all())
