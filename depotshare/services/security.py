"""Passwords (argon2), access tokens (JWT) and personal API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from depotshare.config import Settings, get_settings
from depotshare.domain.errors import Unauthenticated

API_KEY_PREFIX = "ds_"
_JWT_ALG = "HS256"


@lru_cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _default_hasher() -> PasswordHasher:
    s = get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib)


def hash_password(password: str) -> str:
    return _default_hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _default_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def is_password_hash(value: str) -> bool:
    return value.startswith("$argon2")


def issue_access_token(user_id: int, settings: Settings | None = None) -> str:
    s = settings or get_settings()
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=s.access_token_minutes)}
    return jwt.encode(claims, s.jwt_secret(), algorithm=_JWT_ALG)


def user_id_from_access_token(token: str, settings: Settings | None = None) -> int:
    s = settings or get_settings()
    try:
        claims = jwt.decode(token, s.jwt_secret(), algorithms=[_JWT_ALG], options={"require": ["sub", "exp"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError) as e:
        raise Unauthenticated("invalid or expired access token") from e


def new_api_key() -> tuple[str, str, str]:
    """Returns (full key shown once, lookup prefix, hash stored)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"{API_KEY_PREFIX}{prefix}_{secret}"
    return full, prefix, hash_api_key(full)


def hash_api_key(full_key: str) -> str:
    # The key carries 256 random bits, so a fast hash is enough; argon2 would slow every request.
    return hashlib.sha256(full_key.encode()).hexdigest()


def split_api_key(full_key: str) -> str:
    """The lookup prefix of a presented key."""
    body = full_key.removeprefix(API_KEY_PREFIX)
    prefix, _, _ = body.partition("_")
    if not full_key.startswith(API_KEY_PREFIX) or not prefix:
        raise Unauthenticated("malformed API key")
    return prefix
