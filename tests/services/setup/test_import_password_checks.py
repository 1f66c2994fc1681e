"""An unchanged password in an import file is recognised by its keyed check, without argon2
(docs/adr/0004-keyed-password-check.md): a re-import of an unchanged file runs no argon2 at all.
argon2 is the library at the edge; the tests count its verifications, it still does them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest
from sqlalchemy import select, update

from depotshare.config import Settings
from depotshare.services.orgs import security
from depotshare.services.runtime import Runtime
from depotshare.store.orgs.models import User
from depotshare.store.sites.models import ChargingStation
from tests.services.setup.test_import import BASE, cli, write


@pytest.fixture
def argon2_verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []
    real = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append(str(password))
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    yield calls


async def checks(runtime: Runtime) -> dict[str, tuple[str | None, str | None]]:
    async with runtime.uow() as uow:
        users = (await uow.session.execute(select(User.email, User.password_hash, User.password_check))).all()
        stations = (
            await uow.session.execute(
                select(ChargingStation.ocpp_id, ChargingStation.password_hash, ChargingStation.password_check)
            )
        ).all()
    return {name: (h, c) for name, h, c in [*users, *stations]}


async def test_unchanged_file_runs_no_argon2(
    runtime: Runtime, settings: Settings, tmp_path: Path, argon2_verifications: list[str]
) -> None:
    path = write(tmp_path, BASE)
    assert (await cli("import", str(path))).exit_code == 0
    stored = await checks(runtime)
    assert set(stored) == {"admin@holding.example", "fm@south.example", "ST-1"}
    assert all(h and c for h, c in stored.values())

    again = await cli("import", str(path))
    assert again.stdout.startswith("imported setup.yaml: nothing changed"), again.output
    assert argon2_verifications == []
    assert await checks(runtime) == stored


async def test_a_password_set_elsewhere_is_verified_once_then_checked(
    runtime: Runtime, settings: Settings, tmp_path: Path, argon2_verifications: list[str]
) -> None:
    path = write(tmp_path, BASE)
    assert (await cli("import", str(path))).exit_code == 0
    async with runtime.uow() as uow:  # as a login created before the checks existed
        await uow.session.execute(update(User).values(password_check=None))
        await uow.session.execute(update(ChargingStation).values(password_check=None))
        await uow.commit()

    again = await cli("import", str(path))
    assert again.stdout.startswith("imported setup.yaml: nothing changed"), again.output
    assert sorted(argon2_verifications) == ["holding-admin-pw", "south-fleet-pw", "station-pass-1"]
    assert all(c for _, c in (await checks(runtime)).values())

    argon2_verifications.clear()
    assert (await cli("import", str(path))).stdout.startswith("imported setup.yaml: nothing changed")
    assert argon2_verifications == []


async def test_a_changed_station_password_is_hashed_anew(
    runtime: Runtime, settings: Settings, tmp_path: Path, argon2_verifications: list[str]
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    before = (await checks(runtime))["ST-1"]
    changed = BASE.replace("password: station-pass-1", "password: station-pass-2")
    result = await cli("import", str(write(tmp_path, changed)))
    assert "  stations          0 created    1 updated    0 unchanged" in result.stdout, result.output
    after = (await checks(runtime))["ST-1"]
    assert after[0] != before[0] and after[1] != before[1]
    assert after[0] is not None and security.verify_password(after[0], "station-pass-2")


def test_the_check_is_keyed_and_bound_to_the_hash() -> None:
    hashed = security.hash_password("change-me-123")
    check = security.password_check(hashed, "change-me-123")
    # Not a plain fast hash of the password: without the server secret it cannot be recomputed.
    assert check not in {
        hashlib.sha256(b"change-me-123").hexdigest(),
        hashlib.sha256(hashed.encode()).hexdigest(),
    }
    other_secret = Settings(secret_key="another-server-secret-long-enough-for-hs256")
    assert security.password_check(hashed, "change-me-123", other_secret) != check
    # A new hash of the same password (a new salt) matches no old check.
    assert not security.check_matches(check, security.hash_password("change-me-123"), "change-me-123")
    assert security.check_matches(check, hashed, "change-me-123")
    assert not security.check_matches(check, hashed, "change-me-124")
