"""The CLI as a new user meets it: what `migrate` says it did, a password prompt without a shown
default, `export` writing a private file and saying what it wrote, root-level exports kept out of
git, and commands that check the schema without loading alembic."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select
from typer.testing import CliRunner

from depotshare.cli import app
from depotshare.config import Settings
from depotshare.services.common import migrations
from depotshare.services.runtime import Runtime
from depotshare.store.orgs.models import User
from tests.services.setup.test_import import BASE, cli, write
from tests.support.paths import REPO

ROOT = REPO


def depotshare(tmp_path: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEPOTSHARE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"}
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "depotshare.cli", *args]
    return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_head_revision_is_alembics() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    assert migrations.head_revision() == script.get_current_head()
    assert migrations.revisions_after(None)[-1] == script.get_current_head()
    assert migrations.revisions_after(migrations.head_revision()) == []
    assert isinstance(migrations.alembic_config("sqlite://"), Config)


def test_migrate_says_what_it_applied(tmp_path: Path) -> None:
    head, every = migrations.head_revision(), migrations.revisions_after(None)
    first = depotshare(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"applied {len(every)} migrations ({', '.join(every)}), now at {head}\n"
    again = depotshare(tmp_path, "migrate")
    assert again.stdout == f"database is up to date (at {head})\n"


def test_commands_check_the_schema_without_alembic(tmp_path: Path) -> None:
    assert depotshare(tmp_path, "migrate").returncode == 0
    code = (
        "import sys; from depotshare.cli import app\n"
        "try:\n    app(['access', 'verify'])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('alembic loaded' if any(m.startswith('alembic') for m in sys.modules) else 'no alembic')"
    )
    result = depotshare(tmp_path, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "no decisions logged yet",
        "0 location(s) checked, 0 broken",
        "no alembic",
    ]


async def test_create_admin_asks_for_a_hidden_password_without_a_default(
    runtime: Runtime, settings: Settings
) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["create-admin", "root@ops.example"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Password: \nRepeat for confirmation: \n"), result.output
    assert "[]" not in result.output and "s3cret-pass" not in result.output
    assert "created platform admin root@ops.example" in result.output
    async with runtime.uow() as uow:
        assert await uow.session.scalar(select(User.email)) == "root@ops.example"


async def test_export_writes_a_private_file_and_says_what(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    out = tmp_path / "backup.yaml"
    out.write_text("old, world-readable\n")
    out.chmod(0o644)
    result = await cli("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert yaml.safe_load(out.read_text())["users"][0]["password_hash"].startswith("$argon2")
    assert result.stderr.splitlines() == [
        f"exported 4 organisations, 2 users, 1 employees, 1 vehicles, 1 locations, 1 stations, 2 tokens to {out}"
        " (mode 0600)",
        "it holds password and token hashes: keep it private, out of version control",
    ]
    assert sorted(os.listdir(tmp_path)) == ["backup.yaml", "setup.yaml"]  # no temporary left


def test_root_level_yaml_is_ignored_but_not_examples() -> None:
    result = subprocess.run(
        [
            "git",
            "check-ignore",
            "--no-index",
            "backup.yaml",
            "examples/demo-depot.yaml",
            "tests/fixtures/x.yaml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.splitlines() == ["backup.yaml"]
