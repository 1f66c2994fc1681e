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
    # OCPP gateway. Stations heartbeat at this interval; one is online while connected and heard
    # from within two intervals. Pending stations retry their BootNotification more often.
    heartbeat_interval_s: int = Field(default=300, ge=10)
    pending_boot_interval_s: int = Field(default=60, ge=10)
    # How long a remote command waits for the station's answer.
    ocpp_command_timeout_s: float = Field(default=30, gt=0)
    # Frames above this close the connection with 1009; a 1.6 MeterValues is ~1.5 KiB.
    ocpp_max_frame_bytes: int = Field(default=256 * 1024, ge=4096)
    # Admission control for reconnect storms (docs/operations.md): at most this many stations
    # between their handshake and their first answered call; a handshake waits at most
    # ocpp_boot_wait_s for a place, else it is refused with HTTP 503 and the station retries.
    ocpp_boot_slots: int = Field(default=100, ge=1)
    ocpp_boot_wait_s: float = Field(default=10, ge=0)
    # Websocket keepalive: a dead connection is noticed within interval + timeout seconds.
    ws_ping_interval_s: float = Field(default=20, gt=0)
    ws_ping_timeout_s: float = Field(default=20, gt=0)
    # OCPI 2.2.1 (docs/ocpi.md): who we are to roaming partners, the CPO's ISO 3166-1 alpha-2
    # country and its party id; and the most locations one page of /ocpi/2.2.1/locations holds.
    ocpi_country_code: str = Field(default="DE", pattern=r"^[A-Z]{2}$")
    ocpi_party_id: str = Field(default="DPS", pattern=r"^[A-Z0-9]{3}$")
    ocpi_page_limit: int = Field(default=100, ge=1, le=1000)

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
