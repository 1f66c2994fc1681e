"""Logging in, resolving a caller (JWT or API key) to an Actor with its scope, personal API keys."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import NotFound, Unauthenticated
from depotshare.domain.common.events import Changed
from depotshare.domain.orgs.scope import Scope
from depotshare.services.common.changes import created
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import security
from depotshare.store.orgs.api_keys import ApiKeys
from depotshare.store.orgs.models import ApiKey, User
from depotshare.store.orgs.users import Users


async def login(uow: UnitOfWork, email: str, password: str) -> str:
    user = await uow.repo(Users).get_by_email(email)
    # Verify even for unknown users so response time does not reveal which emails exist.
    ok = security.verify_password(user.password_hash if user else _DUMMY_HASH(), password)
    if user is None or not ok or not user.is_active:
        raise Unauthenticated("incorrect email or password")
    return security.issue_access_token(user.id, now=uow.clock.now())


_dummy: list[str] = []


def _DUMMY_HASH() -> str:
    if not _dummy:
        _dummy.append(security.hash_password("not-a-real-password"))
    return _dummy[0]


async def actor_for_user(uow: UnitOfWork, user: User) -> Actor:
    assignments = await uow.repo(Users).assignments_of(user.id)
    return Actor(user.id, user.email, Scope.of(user.id, assignments))


async def authenticate(uow: UnitOfWork, credential: str) -> Actor:
    """Resolve a bearer credential: an access token from /auth/token or a personal API key."""
    if credential.startswith(security.API_KEY_PREFIX):
        user = await _user_of_api_key(uow, credential)
    else:
        user_id = security.user_id_from_access_token(credential, now=uow.clock.now())
        user = await uow.repo(Users).get_by_id(user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("the account is unknown or disabled")
    return await actor_for_user(uow, user)


async def _user_of_api_key(uow: UnitOfWork, credential: str) -> User | None:
    key = await uow.repo(ApiKeys).by_prefix(security.split_api_key(credential))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("unknown or revoked API key")
    if not hmac.compare_digest(key.key_hash, security.hash_api_key(credential)):
        raise Unauthenticated("unknown or revoked API key")
    now = uow.clock.now()
    # Record use at most once a minute: a write per request would serialise busy integrations.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
        await uow.commit()
    return await uow.repo(Users).get_by_id(key.user_id)


@dataclass(frozen=True)
class ApiKeyView:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    key: str | None = None  # the secret, shown once at creation


def _key_view(k: ApiKey, secret: str | None = None) -> ApiKeyView:
    return ApiKeyView(k.id, k.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at, secret)


async def create_api_key(uow: UnitOfWork, actor: Actor, name: str) -> ApiKeyView:
    assert actor.user_id is not None
    full, prefix, digest = security.new_api_key()
    key = ApiKey(user_id=actor.user_id, name=name, prefix=prefix, key_hash=digest)
    uow.repo(ApiKeys).add(key)
    await uow.flush()
    await created(uow, actor, "api_key", key.id, None, {"name": name, "prefix": prefix})
    await uow.commit()
    return _key_view(key, full)


async def list_api_keys(uow: UnitOfWork, actor: Actor) -> list[ApiKeyView]:
    assert actor.user_id is not None
    return [_key_view(k) for k in await uow.repo(ApiKeys).of_user(actor.user_id)]


async def revoke_api_key(uow: UnitOfWork, actor: Actor, key_id: int) -> None:
    key = await uow.repo(ApiKeys).get_by_id(key_id)
    if key is None or key.user_id != actor.user_id:
        raise NotFound("API key not found")
    if key.revoked_at is None:
        key.revoked_at = uow.clock.now()
        await uow.emit(
            Changed(
                actor=actor,
                entity="api_key",
                entity_id=key.id,
                action="revoke",
                org_id=None,
                before={"name": key.name, "prefix": key.prefix},
            )
        )
        await uow.commit()
