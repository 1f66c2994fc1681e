"""Passwords (argon2), access tokens (JWT) and personal API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from depotshare.config import Settings, get_settings
from depotshare.domain.common.errors import Unauthenticated
from depotshare.services.common.ports import SystemClock

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


def password_check(password_hash: str, password: str, settings: Settings | None = None) -> str:
    """A keyed verifier kept beside an argon2 hash so that the import can tell an unchanged password
    without argon2 (docs/adr/0004-keyed-password-check.md): HMAC-SHA-256 under a key derived from
    the server secret, over the stored hash (its salt makes the verifier per login, and a hash set by
    any other path leaves the old verifier matching nothing) and the password."""
    key = _check_key((settings or get_settings()).jwt_secret())
    message = password_hash.encode() + b"\0" + password.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check_matches(stored_check: str | None, password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made of, told by the stored verifier alone:
    False means 'not known', and the caller verifies with argon2."""
    if not stored_check or not password_hash:
        return False
    return hmac.compare_digest(stored_check, password_check(password_hash, password))


@lru_cache
def _check_key(secret: str) -> bytes:
    # A key of its own (not the JWT signing key itself), so the two uses never share a MAC.
    return hmac.new(secret.encode(), b"depotshare password check v1", hashlib.sha256).digest()


def is_password_hash(value: str) -> bool:
    return value.startswith("$argon2")


def issue_access_token(user_id: int, settings: Settings | None = None, *, now: datetime | None = None) -> str:
    """A token valid from `now` (the unit of work's clock; the system's outside one) for
    `access_token_minutes`."""
    s = settings or get_settings()
    now = now or SystemClock().now()
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=s.access_token_minutes)}
    return jwt.encode(claims, s.jwt_secret(), algorithm=_JWT_ALG)


def user_id_from_access_token(
    token: str, settings: Settings | None = None, *, now: datetime | None = None
) -> int:
    """The user a token names while `now` is before its expiry (expired at that very second, as
    PyJWT has it); the instant is the caller's clock, so the rule is tested without waiting."""
    s = settings or get_settings()
    # The times are checked here against `now`, not by PyJWT against the system clock.
    try:
        claims = jwt.decode(
            token,
            s.jwt_secret(),
            algorithms=[_JWT_ALG],
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_iat": False},
        )
        user_id, expires = int(claims["sub"]), int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError) as e:
        raise Unauthenticated("invalid or expired access token") from e
    if (now or SystemClock().now()).timestamp() >= expires:
        raise Unauthenticated("invalid or expired access token")
    return user_id


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
