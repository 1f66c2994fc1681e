"""`depotshare export`: the import format back out, stable, for the platform or one subtree;
export -> import into an empty database -> export gives the same text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from depotshare.config import Settings
from depotshare.domain.orgs.roles import Role
from depotshare.services.runtime import Runtime
from depotshare.store.common.base import Base
from depotshare.store.common.models import AuditEntry
from tests.services.setup.test_import import BASE, all_rows, cli, count, write
from tests.support.helpers import make_tree, make_user
from tests.support.paths import EXAMPLES


async def wipe(runtime: Runtime) -> None:
    async with runtime.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(text(f"DELETE FROM {table.name}"))


async def export(*args: str) -> str:
    result = await cli("export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("file", ["case-a-logistics.yaml", "case-b-consultancy.yaml", "demo-depot.yaml"])
async def test_round_trip_through_an_empty_database(
    runtime: Runtime, settings: Settings, tmp_path: Path, file: str
) -> None:
    assert (await cli("import", str(EXAMPLES / file))).exit_code == 0
    first = await export()
    await assert_round_trip(runtime, tmp_path, first)


async def assert_round_trip(runtime: Runtime, tmp_path: Path, first: str) -> None:
    """The export `first` imported into the same database changes nothing at all; into an empty
    one, it exports as `first` again."""
    dumped = write(tmp_path, first, "export.yaml")
    rows, audits = await all_rows(runtime), await count(runtime, AuditEntry)
    same = await cli("import", str(dumped))
    assert same.stdout.startswith("imported export.yaml: nothing changed"), same.output
    assert await all_rows(runtime) == rows and await count(runtime, AuditEntry) == audits

    await wipe(runtime)
    again = await cli("import", str(dumped))
    assert again.exit_code == 0, again.output
    assert await export() == first


async def test_export_writes_the_import_format(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    data = yaml.safe_load(await export())
    assert list(data) == ["organisations", "users", "employees", "vehicles", "locations", "tokens"]
    holding = data["organisations"][0]
    assert holding["key"] == "holding" and holding["cost_centres"] == [
        {"code": "CC-1", "name": "Central services"}
    ]
    assert [c["key"] for c in holding["children"]] == ["north", "south"]
    assert holding["children"][0]["children"] == [{"key": "north-site", "name": "North Site"}]
    admin = data["users"][0]
    assert admin["roles"] == [{"org": "holding", "role": "org_admin"}]
    assert admin["password_hash"].startswith("$argon2") and "password" not in admin
    location = data["locations"][0]
    assert location["address"]["country"] == "DEU" and location["coordinates"] == {
        "lat": 53.541235,
        "lon": 9.98,
    }
    station = location["stations"][0]
    assert station["password_hash"].startswith("$argon2") and "password" not in station
    assert station["evses"] == [
        {"id": 1, "connectors": [{"id": 1, "standard": "IEC_62196_T2", "max_kw": 22}]}
    ]
    assert data["tokens"][0] == {
        "uid": "04AABBCCDDEEFF",
        "org": "north",
        "type": "RFID",
        "status": "active",
        "employee": "emp-1",
        "vehicle": "car-1",
    }


async def test_export_of_one_subtree(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    assert (await cli("import", str(EXAMPLES / "case-b-consultancy.yaml"))).exit_code == 0
    subtree = await export("--org", "meridian-de")
    data = yaml.safe_load(subtree)
    assert data["organisations"][0]["key"] == "meridian-de" and "parent" not in data["organisations"][0]
    assert [c["key"] for c in data["organisations"][0]["children"]] == [
        "meridian-strategy-de",
        "meridian-digital-de",
    ]
    # Logins with a role in the subtree, with those roles only; the holding's account is not one.
    assert {u["email"]: u["roles"] for u in data["users"]} == {
        "facilities.de@meridian.example": [{"org": "meridian-de", "role": "facility_manager"}],
        "fleet.de@meridian.example": [{"org": "meridian-de", "role": "fleet_manager"}],
        "admin@strategy.meridian.example": [{"org": "meridian-strategy-de", "role": "org_admin"}],
        "admin@digital.meridian.example": [{"org": "meridian-digital-de", "role": "org_admin"}],
    }
    assert [loc["key"] for loc in data["locations"]] == [
        "office-frankfurt",
        "office-munich",
        "home-str-101",
        "home-dig-201",
    ]
    assert {t["org"] for t in data["tokens"]} == {
        "meridian-de",
        "meridian-strategy-de",
        "meridian-digital-de",
    }
    assert {e["key"] for e in data["employees"]} == {"str-101", "str-102", "dig-201", "dig-202"}

    # The subtree re-imports into its own database unchanged, and alone into an empty one.
    path = write(tmp_path, subtree, "de.yaml")
    assert (await cli("import", str(path))).stdout.startswith("imported de.yaml: nothing changed")
    await wipe(runtime)
    assert (await cli("import", str(path))).exit_code == 0
    assert await export("--org", "meridian-de") == subtree
    assert await export() == subtree  # now it is the whole platform


async def test_export_of_what_the_api_created(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    await make_tree(runtime, {"acme": None, "acme-north": "acme"})
    await make_user(
        runtime, "boss@acme.example", (Role.ORG_ADMIN, "acme"), (Role.FLEET_MANAGER, "acme-north")
    )
    first = await export()
    await wipe(runtime)
    assert (await cli("import", str(write(tmp_path, first)))).exit_code == 0
    assert await export() == first


async def test_export_to_a_file_and_errors(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    assert (await cli("import", str(write(tmp_path, BASE)))).exit_code == 0
    out = tmp_path / "out.yaml"
    assert (await cli("export", "-o", str(out))).exit_code == 0
    assert out.read_text() == await export()
    missing = await cli("export", "--org", "nowhere")
    assert missing.exit_code == 2
    assert missing.stderr == "error: organisation 'nowhere' not found\n"


async def test_export_of_an_empty_platform(runtime: Runtime, settings: Settings) -> None:
    assert await export() == "{}\n"


async def test_partnerships_and_tariffs_round_trip(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    """The demo's partnership, tariff and grants come back as written: several windows as windows,
    none (any time) as none, prices as decimal text; a subtree export carries what it hosts."""
    assert (await cli("import", str(EXAMPLES / "demo-depot.yaml"))).exit_code == 0
    data = yaml.safe_load(await export())
    assert list(data)[-2:] == ["tariffs", "partnerships"]
    assert data["tariffs"][0]["elements"][0]["price_components"] == [
        {"type": "ENERGY", "price": "0.29", "vat": "19", "step_size": 1}
    ]
    (partnership,) = data["partnerships"]
    assert partnership["revenue_share"] == [
        {"party": "nordlog", "percent": "85"},
        {"party": "operator", "percent": "15"},
    ]
    nights, ac = partnership["grants"]
    assert nights["windows"] == [{"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "19:00-06:00"}, {"days": ["sat", "sun"]}]  # fmt: skip
    assert (ac["stations"], ac["max_power_kw"]) == (["DEPOT-02"], 22) and not {"days", "hours", "windows"} & set(ac)  # fmt: skip
    host_only = yaml.safe_load(await export("--org", "nordlog"))
    assert [t["key"] for t in host_only["tariffs"]] == ["nordlog-partner"]
    assert host_only["partnerships"][0]["partner"] == "swift-transport"
    assert "partnerships" not in yaml.safe_load(await export("--org", "swift-transport"))
