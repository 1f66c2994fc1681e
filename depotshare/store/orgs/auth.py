"""Lookups for logging in: users by email, API keys by prefix."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from depotshare.store.orgs.models import ApiKey, User


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def api_key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


async def api_keys_of(session: AsyncSession, user_id: int) -> list[ApiKey]:
    return list(
        (await session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id))).all()
    )
