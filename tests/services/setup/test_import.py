"""`depotshare import`: idempotent, all-or-nothing, exact error paths, moves by re-import, and the
rules for keys left out (kept), roles (added, never removed) and passwords (kept when they verify)."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from httpx import AsyncClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from depotshare.cli import app
from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from depotshare.services.setup import importer, importer_sites
from depotshare.store.common.base import Base
from depotshare.store.common.models import AuditEntry
from depotshare.store.fleet.models import Token
from depotshare.store.orgs.models import Organisation, RoleAssignment, User
from tests.support.paths import REPO

BASE = """\
organisations:
  - key: holding
    name: Holding AG
    cost_centres: [{code: CC-1, name: Central services}]
    children:
      - key: north
        name: North GmbH
        children:
          - {key: north-site, name: North Site}
      - {key: south, name: South GmbH}
users:
  - email: admin@holding.example
    name: Holding Admin
    password: holding-admin-pw
    roles: [{org: holding, role: org_admin}]
  - email: fm@south.example
    name: South Fleet
    password: south-fleet-pw
    roles: [{org: south, role: fleet_manager}]
employees:
  - {key: emp-1, org: north, name: Jane Driver, cost_centre: CC-1}
vehicles:
  - {key: car-1, org: north, plate: HH-N 1, employee: emp-1}
locations:
  - key: depot-north
    org: north
    name: Depot North
    timezone: Europe/Berlin
    address: {street: Hafenstr. 1, city: Hamburg, postal_code: "20457", country: deu}
    coordinates: {lat: 53.5412345, lon: 9.98}
    grid_limit_kw: 250.5
    stations:
      - id: ST-1
        password: station-pass-1
        evses: [{id: 1, connectors: [{id: 1, standard: IEC_62196_T2, max_kw: 22}]}]
tokens:
  - {uid: "04:aa:bb:cc:dd:ee:ff", org: north, employee: emp-1, vehicle: car-1}
  - {uid: "04AABBCC", org: south, group: SOUTH-POOL, valid_from: 2026-01-01, valid_until: 2026-12-31}
"""


async def cli(*args: str) -> Result:
    # The CLI runs its own event loop (asyncio.run), so it gets a thread of its own.
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


def write(tmp_path: Path, content: str, name: str = "setup.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(content))
    return path


async def all_rows(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that nothing at all changed."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = await conn.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
    return out


async def count(runtime: Runtime, model: Any) -> int:
    async with runtime.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_second_import_changes_nothing(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    first = await cli("import", str(path))
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == "imported setup.yaml: 13 created, 0 updated"
    assert "  tokens            2 created    0 updated    0 unchanged" in first.stdout
    before, audit_count = await all_rows(runtime), await count(runtime, AuditEntry)
    assert audit_count == 13

    again = await cli("import", str(path))
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == "imported setup.yaml: nothing changed"
    assert "  users             0 created    0 updated    2 unchanged" in again.stdout
    assert await all_rows(runtime) == before
    assert await count(runtime, AuditEntry) == audit_count


async def test_values_are_stored_in_canonical_form(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    async with runtime.engine.connect() as conn:
        uids = (await conn.execute(text("SELECT uid FROM tokens ORDER BY id"))).scalars().all()
        location = (await conn.execute(text("SELECT country, latitude, grid_limit_kw FROM locations"))).one()
    assert uids == ["04AABBCCDDEEFF", "04AABBCC"]
    assert location[0] == "DEU"
    assert float(location[1]) == pytest.approx(53.541235)  # six decimals, as the domain keeps them
    assert float(location[2]) == 250.5


async def test_invalid_last_token_writes_nothing(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path, BASE + '  - {uid: "NOT-HEX!", org: south}\n')
    result = await cli("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: tokens[2].uid: an RFID uid is hexadecimal")
    for model in (Organisation, User, Token, AuditEntry):
        assert await count(runtime, model) == 0


async def test_a_failure_while_writing_rolls_everything_back(
    runtime: Runtime, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: organisations and logins already flushed go when a later step fails."""

    async def broken(*args: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer_sites.SiteEntries, "station", broken)
    with pytest.raises(RuntimeError):
        await importer.run_import_file(settings, write(tmp_path, BASE))
    for model in (Organisation, User, AuditEntry):
        assert await count(runtime, model) == 0


BAD_FILES = [
    (
        "unknown key",
        "employees:\n  - {key: e, org: holding, name: E, nmae: x}\n",
        "employees[0].nmae: unknown key",
    ),
    (
        "unknown key deep down",
        "locations:\n  - key: l\n    org: holding\n    name: L\n    stations:\n      - id: S\n        evses: [{id: 1, connectors: [{id: 1, standard: IEC_62196_T2, kw: 3}]}]\n",
        "locations[0].stations[0].evses[0].connectors[0].kw: unknown key",
    ),
    (
        "bad org reference",
        "tokens:\n  - {uid: 04AABBCC, org: nowhere}\n",
        "tokens[0].org: organisation 'nowhere'",
    ),
    (
        "duplicate key",
        "employees:\n  - {key: e, org: holding, name: E}\n  - {key: e, org: holding, name: F}\n",
        "employees[1].key: employee 'e' is given twice (first at employees[0].key)",
    ),
    (
        "duplicate station id",
        "locations:\n  - key: l\n    org: holding\n    name: L\n    stations: [{id: S-1}, {id: S-1}]\n",
        "locations[0].stations[1].id: station 'S-1' is given twice",
    ),
    (
        "bad station id",
        "locations:\n  - key: l\n    org: holding\n    name: L\n    stations: [{id: S-1}, {id: 'S/2'}]\n",
        "locations[0].stations[1].id: a station id has 1 to 48 characters",
    ),
    (
        "bad timezone",
        "locations:\n  - {key: l, org: holding, name: L, timezone: Europe/Hamburg}\n",
        "locations[0].timezone: 'Europe/Hamburg' is not an IANA time zone name",
    ),
    (
        "bad connector standard",
        "locations:\n  - key: l\n    org: holding\n    name: L\n    stations:\n      - id: S\n        evses: [{id: 1, connectors: [{id: 1, standard: TYPE2}]}]\n",
        "locations[0].stations[0].evses[0].connectors[0].standard: 'TYPE2' is not an OCPI 2.2.1 connector type",
    ),
    (
        "bad uid",
        "tokens:\n  - {uid: 04AABBC, org: holding}\n",
        "tokens[0].uid: an RFID uid has 4 to 10 bytes",
    ),
    (
        "uid not quoted",
        "tokens:\n  - {uid: 12345678, org: holding}\n",
        "tokens[0].uid: expected text, got 12345678",
    ),
    (
        "group id longer than 20",
        "tokens:\n  - {uid: 04AABBCC, org: holding, group: ABCDEFGHIJKLMNOPQRSTU}\n",
        "tokens[0].group: a group id has 1 to 20 characters",
    ),
    (
        "valid_until before valid_from",
        "tokens:\n  - {uid: 04AABBCC, org: holding, valid_from: 2026-02-01, valid_until: 2026-01-31}\n",
        "tokens[0].valid_until: valid_until is before valid_from",
    ),
    (
        "unknown cost centre",
        "employees:\n  - {key: e, org: holding, name: E, cost_centre: CC-9}\n",
        "employees[0].cost_centre: no cost centre 'CC-9' in organisation 'holding' or above it",
    ),
    (
        "platform role with an organisation",
        "users:\n  - {email: a@b.example, name: A, roles: [{org: holding, role: platform_admin}]}\n",
        "users[0].roles[0].org: platform_admin is platform-wide",
    ),
    (
        "partner is the host",
        "partnerships:\n  - {host: holding, partner: holding}\n",
        "partnerships[0].partner: host and partner are the same organisation",
    ),
    (
        "tariff without currency",
        "tariffs:\n  - {key: t, elements: []}\n",
        "tariffs[0].currency: this key is required",
    ),
    (
        "roaming partner without a name",
        "roaming_partners:\n  - {key: r}\n",
        "roaming_partners[0].name: this key is required",
    ),
    ("unknown section", "stations: []\n", "stations: unknown key; allowed here: organisations, users"),
    ("YAML syntax error", "organisations:\n  - key: a\n    name: [oops\n", "line 4, column 1: invalid YAML"),
    ("YAML key twice", "users: []\nusers: []\n", "line 2, column 1: invalid YAML: key 'users' appears twice"),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
async def test_bad_files_name_the_path_and_write_nothing(
    runtime: Runtime, settings: Settings, tmp_path: Path, content: str, message: str
) -> None:
    prefix = "organisations:\n  - {key: holding, name: Holding}\n"
    body = content if content.startswith(("organisations", "users: []")) else prefix + content
    result = await cli("import", str(write(tmp_path, body)))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert await count(runtime, Organisation) == 0
    assert await count(runtime, AuditEntry) == 0


async def test_every_problem_is_listed(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    body = "tokens:\n  - {uid: zz, org: a}\n  - {uid: 04AABBCC, org: b, group: 'a b'}\n"
    result = await cli("import", str(write(tmp_path, body)))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: tokens[0].uid: an RFID uid is hexadecimal (0-9, A-F), optionally separated by ':' or '-'",
        "tokens[1].group: a group id has 1 to 20 characters: letters, digits, '.', '_', '-'",
    ]


async def test_missing_file_and_empty_file(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    missing = await cli("import", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    assert missing.stderr == f"error: {tmp_path / 'nope.yaml'}: no such file\n"
    empty = await cli("import", str(write(tmp_path, "")))
    assert empty.exit_code == 2
    assert "the file is empty" in empty.stderr


async def test_reimport_moves_an_organisation(
    client: AsyncClient, runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    r = await client.post(
        "/api/v1/auth/token", data={"username": "fm@south.example", "password": "south-fleet-pw"}
    )
    fm = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await client.get("/api/v1/tokens/04AABBCCDDEEFF", headers=fm)).status_code == 404

    moved = """\
        organisations:
          - key: holding
            name: Holding AG
            cost_centres: [{code: CC-1, name: Central services}]
            children:
              - key: south
                name: South GmbH
                children:
                  - key: north
                    name: North GmbH
                    children: [{key: north-site, name: North Site}]
        """
    result = await cli("import", str(write(tmp_path, moved)))
    assert result.exit_code == 0, result.output
    assert "  organisations     0 created    1 updated    3 unchanged" in result.stdout

    paths = await org_paths(runtime)
    assert paths["north"].startswith(paths["south"]) and paths["north-site"].startswith(paths["north"])
    assert (await client.get("/api/v1/tokens/04AABBCCDDEEFF", headers=fm)).status_code == 200
    async with runtime.uow() as uow:
        entry = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.entity == "organisation", AuditEntry.action == "update")
        )
        assert entry is not None and entry.actor == "import setup.yaml"
        assert entry.before == {"key": "north", "name": "North GmbH", "parent": "holding"}
        assert entry.after == {"key": "north", "name": "North GmbH", "parent": "south"}


async def org_paths(runtime: Runtime) -> dict[str, str]:
    async with runtime.uow() as uow:
        return {o.key: o.path for o in (await uow.session.scalars(select(Organisation))).all()}


async def test_top_level_entries_keep_their_place_unless_parent_is_given(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    stays = "organisations:\n  - {key: north, name: North GmbH}\n"
    assert (await cli("import", str(write(tmp_path, stays)))).stdout.startswith(
        "imported setup.yaml: nothing"
    )
    to_root = "organisations:\n  - {key: north, name: North GmbH, parent: null}\n"
    assert (await cli("import", str(write(tmp_path, to_root)))).exit_code == 0
    assert (await org_paths(runtime))["north-site"].count("/") == 3  # /north/north-site/
    back = "organisations:\n  - {key: north, name: North GmbH, parent: south}\n"
    assert (await cli("import", str(write(tmp_path, back)))).exit_code == 0
    paths = await org_paths(runtime)
    assert paths["north-site"].startswith(paths["south"])


async def test_a_move_that_makes_a_cycle_is_refused(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    cycle = "organisations:\n  - key: north-site\n    name: North Site\n    children: [{key: north, name: North GmbH}]\n"
    result = await cli("import", str(write(tmp_path, cycle)))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: organisations[0].children[0].key: placing 'north' under 'north-site' would make it its own ancestor"
    )


async def test_links_across_customers_are_refused(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    other = BASE + "  - {uid: 04AABBCCDD, org: other, employee: emp-1}\n"
    other = other.replace("users:", "  - {key: other, name: Other Customer}\nusers:", 1)
    result = await cli("import", str(write(tmp_path, other)))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: tokens[2].employee: employee 'emp-1' belongs to 'north', outside the organisation tree of 'other'"
    )


async def test_keys_left_out_keep_their_value(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    """A card blocked in the portal stays blocked when the set-up file is imported again."""
    path = write(tmp_path, BASE)
    assert (await cli("import", str(path))).exit_code == 0
    async with runtime.uow() as uow:
        token = await uow.session.scalar(select(Token).where(Token.uid == "04AABBCC"))
        assert token is not None
        token.status, token.label = "blocked", "lost"
        await uow.commit()
    assert (await cli("import", str(path))).stdout.startswith("imported setup.yaml: nothing changed")
    explicit = "tokens:\n  - {uid: 04AABBCC, org: south, status: active, label: null}\n"
    result = await cli("import", str(write(tmp_path, explicit, "unblock.yaml")))
    assert result.stdout.splitlines()[0] == "imported unblock.yaml: 0 created, 1 updated"
    async with runtime.uow() as uow:
        token = await uow.session.scalar(select(Token).where(Token.uid == "04AABBCC"))
        assert token is not None and (token.status, token.label, token.group_id) == (
            "active",
            None,
            "SOUTH-POOL",
        )


async def test_roles_are_added_never_removed_and_passwords_kept_or_changed(
    client: AsyncClient, runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    async with runtime.uow() as uow:
        hash_before = await uow.session.scalar(
            select(User.password_hash).where(User.email == "fm@south.example")
        )
    more = (
        "users:\n  - email: FM@south.example\n    name: South Fleet\n    password: a-new-password\n"
        "    roles: [{org: north, role: facility_manager}]\n"
    )
    result = await cli("import", str(write(tmp_path, more, "more.yaml")))
    assert result.exit_code == 0, result.output
    assert "  users             0 created    1 updated    0 unchanged" in result.stdout
    async with runtime.uow() as uow:
        user = await uow.session.scalar(select(User).where(User.email == "fm@south.example"))
        assert user is not None and user.password_hash != hash_before
        roles = (
            await uow.session.scalars(select(RoleAssignment.role).where(RoleAssignment.user_id == user.id))
        ).all()
        audit = (
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.actor == "import more.yaml"))
        ).all()
        changes = sorted((a.entity, a.action) for a in audit)
        password = next(a for a in audit if a.entity == "user").after["password"]
    assert sorted(roles) == ["facility_manager", "fleet_manager"]
    assert changes == [("role_assignment", "create"), ("user", "update")]
    assert password == "changed"
    r = await client.post(
        "/api/v1/auth/token", data={"username": "fm@south.example", "password": "a-new-password"}
    )
    assert r.status_code == 200
    again = await cli("import", str(write(tmp_path, more, "more.yaml")))
    assert again.stdout.startswith("imported more.yaml: nothing changed")


def documented_example() -> str:
    doc = (REPO / "docs" / "import-format.md").read_text()
    return doc.split("## Example")[1].split("```yaml\n")[1].split("```")[0]


async def test_the_documented_example_imports(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    example = documented_example()
    result = await cli("import", str(write(tmp_path, example, "documented.yaml")))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "imported documented.yaml: 17 created, 0 updated"
