"""The time rules of logging in, at the instant they turn (the unit of work's clock, no waiting):
an access token expires when its lifetime ends, and an API key's use is recorded at most once a
minute."""

from __future__ import annotations

import pytest

from depotshare.config import get_settings
from depotshare.domain.common.errors import Unauthenticated
from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import auth
from depotshare.services.runtime import Runtime
from depotshare.store.orgs.api_keys import ApiKeys
from tests.support.clock import FakeClock
from tests.support.helpers import PASSWORD, make_user


async def _authenticate(runtime: Runtime, credential: str) -> int | None:
    async with runtime.uow() as uow:
        return (await auth.authenticate(uow, credential)).user_id


async def test_an_access_token_expires_at_the_second_its_lifetime_ends(
    runtime: Runtime, clock: FakeClock
) -> None:
    user_id = await make_user(runtime, "ops@example.com", (Role.PLATFORM_ADMIN, None))
    async with runtime.uow() as uow:
        token = await auth.login(uow, "ops@example.com", PASSWORD)
    clock.advance(minutes=get_settings().access_token_minutes, seconds=-1)
    assert await _authenticate(runtime, token) == user_id
    clock.advance(seconds=1)
    with pytest.raises(Unauthenticated):
        await _authenticate(runtime, token)


async def test_an_api_key_s_use_is_recorded_at_most_once_a_minute(runtime: Runtime, clock: FakeClock) -> None:
    await make_user(runtime, "ops@example.com", (Role.PLATFORM_ADMIN, None))
    async with runtime.uow() as uow:
        actor = await auth.authenticate(uow, await auth.login(uow, "ops@example.com", PASSWORD))
        created = await auth.create_api_key(uow, actor, "integration")
    assert created.key is not None

    async def last_used() -> object:
        await _authenticate(runtime, created.key or "")
        async with runtime.uow() as uow:
            key = await uow.repo(ApiKeys).get_by_id(created.id)
            return key.last_used_at if key else None

    first = clock.now()
    assert await last_used() == first
    clock.advance(seconds=60)
    assert await last_used() == first  # a minute exactly: not written again
    clock.advance(seconds=1)
    assert await last_used() == clock.now()
