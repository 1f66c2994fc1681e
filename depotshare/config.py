"""Settings from the environment (prefix DEPOTSHARE_) or a `.env` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./depotshare.db"
_SECRET_FILE = Path(".depotshare-secret")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEPOTSHARE_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Signs the JWTs. Unset: a random key is kept in .depotshare-secret so logins survive restarts.
    secret_key: str = ""
    access_token_minutes: int = Field(default=60 * 12, ge=1)
    # argon2 cost; tests lower it, production keeps the library's recommended defaults.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    page_size_max: int = Field(default=500, ge=1)
    log_sql: bool = False

    def jwt_secret(self) -> str:
        if self.secret_key:
            return self.secret_key
        if _SECRET_FILE.exists():
            return _SECRET_FILE.read_text().strip()
        key = secrets.token_urlsafe(48)
        _SECRET_FILE.write_text(key)
        _SECRET_FILE.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
