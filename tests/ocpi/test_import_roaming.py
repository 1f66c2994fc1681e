"""The import's `roaming_partners` section and `locations[].publish_allowed_to`: idempotent,
all-or-nothing with the bad path named, the credentials token never written back in clear (export
writes its sha256, which imports back), and the DESIGN.md example imports twice unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from httpx import AsyncClient
from sqlalchemy import select

from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from depotshare.store.common.models import AuditEntry
from depotshare.store.roaming.models import RoamingPartner
from depotshare.store.sites.models import Location
from tests.ocpi.helpers import BASE, TOKEN, auth, site
from tests.services.setup.test_export import export, wipe
from tests.services.setup.test_import import all_rows, cli, count, write
from tests.services.setup.test_import_partnerships import DESIGN_EXAMPLE

SETUP = (
    BASE
    + "  - {key: nav-y, name: Navigator Y, country_code: nl, party_id: nvy, role: NSP, "
    + 'token: "nav-y-token-0123456789"}\n'
    + "locations:\n"
    + site("pub", publish=True)
    + site("shown", allowed_to='[{uid: "04A2B3C4", type: RFID}, {visual_number: "DE-1", issuer: ACME}]')
)


async def partners(runtime: Runtime) -> dict[str, RoamingPartner]:
    """Stored partners, detached with their values loaded."""
    async with runtime.uow() as uow:
        rows = (await uow.session.scalars(select(RoamingPartner))).all()
        uow.session.expunge_all()
        return {p.key: p for p in rows}


async def test_import_is_idempotent_and_keeps_only_the_hash(
    runtime: Runtime, settings: Settings, client: AsyncClient, tmp_path: Path
) -> None:
    first = await cli("import", str(write(tmp_path, SETUP)))
    assert first.exit_code == 0, first.output
    assert "  roaming_partners    2 created    0 updated    0 unchanged" in first.stdout
    stored = await partners(runtime)
    assert stored["roam-x"].token_hash == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert (stored["nav-y"].country_code, stored["nav-y"].party_id, stored["nav-y"].role) == (
        "NL",
        "NVY",
        "NSP",
    )
    before, audits = await all_rows(runtime), await count(runtime, AuditEntry)
    again = await cli("import", str(write(tmp_path, SETUP)))
    assert again.stdout.startswith("imported setup.yaml: nothing changed"), again.output
    assert await all_rows(runtime) == before and await count(runtime, AuditEntry) == audits
    # The audit log never holds the token or its hash.
    async with runtime.uow() as uow:
        entries = (
            await uow.session.scalars(select(AuditEntry.after).where(AuditEntry.entity == "roaming_partner"))
        ).all()
    assert len(entries) == 2
    assert all(TOKEN not in str(after) and stored["roam-x"].token_hash not in str(after) for after in entries)
    # The imported partner can read the locations.
    r = await client.get("/ocpi/2.2.1/locations", headers=auth())
    assert r.status_code == 200 and {loc["id"] for loc in r.json()["data"]} == {"pub", "shown"}


async def test_changes_are_applied_and_audited(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    assert (await cli("import", str(write(tmp_path, SETUP)))).exit_code == 0
    changed = """\
roaming_partners:
  - {key: roam-x, name: Roaming Hub X2, country_code: DE, party_id: RHX, token: "a-new-token-for-rhx", status: suspended}
locations:
  - key: shown
    org: host
    name: Site shown
    address: {street: Hafenstr. 1, city: Hamburg, postal_code: '20457', country: DEU}
    coordinates: {lat: 53.54, lon: 9.98}
    publish_allowed_to: [{group_id: SWIFT-FLEET}]
"""
    result = await cli("import", str(write(tmp_path, changed, "changed.yaml")))
    assert result.exit_code == 0, result.output
    assert "  roaming_partners    0 created    1 updated    0 unchanged" in result.stdout
    stored = (await partners(runtime))["roam-x"]
    assert stored.name == "Roaming Hub X2" and stored.status == "suspended"
    assert stored.token_hash == hashlib.sha256(b"a-new-token-for-rhx").hexdigest()
    async with runtime.uow() as uow:
        shown = await uow.session.scalar(select(Location.publish_allowed_to).where(Location.key == "shown"))
        last = await uow.session.scalar(
            select(AuditEntry.after)
            .where(AuditEntry.entity == "roaming_partner")
            .order_by(AuditEntry.id.desc())
        )
    assert shown == [{"group_id": "SWIFT-FLEET"}]
    assert last is not None and last["token"] == "changed"
    # Clearing publish_allowed_to.
    cleared = "locations:\n  - {key: shown, org: host, name: Site shown, publish_allowed_to: []}\n"
    assert (await cli("import", str(write(tmp_path, cleared, "cleared.yaml")))).exit_code == 0
    async with runtime.uow() as uow:
        shown = await uow.session.scalar(select(Location.publish_allowed_to).where(Location.key == "shown"))
    assert shown is None


async def test_export_writes_the_hash_and_round_trips(
    runtime: Runtime, settings: Settings, client: AsyncClient, tmp_path: Path
) -> None:
    assert (await cli("import", str(write(tmp_path, SETUP)))).exit_code == 0
    text = await export()
    assert TOKEN not in text and "nav-y-token" not in text
    data = yaml.safe_load(text)
    assert data["roaming_partners"][0] == {
        "key": "roam-x",
        "name": "Roaming Hub X",
        "country_code": "DE",
        "party_id": "RHX",
        "role": "EMSP",
        "token_hash": hashlib.sha256(TOKEN.encode()).hexdigest(),
    }
    shown = next(loc for loc in data["locations"] if loc["key"] == "shown")
    assert shown["publish_allowed_to"] == [
        {"uid": "04A2B3C4", "type": "RFID"},
        {"visual_number": "DE-1", "issuer": "ACME"},
    ]
    # A subtree's export leaves the platform-wide partners out.
    assert "roaming_partners" not in yaml.safe_load(await export("--org", "host"))
    dumped = write(tmp_path, text, "export.yaml")
    same = await cli("import", str(dumped))
    assert same.stdout.startswith("imported export.yaml: nothing changed"), same.output
    await wipe(runtime)
    assert (await cli("import", str(dumped))).exit_code == 0
    assert await export() == text
    r = await client.get("/ocpi/2.2.1/locations", headers=auth())  # the hash still authenticates
    assert r.status_code == 200


async def test_the_design_example_imports_twice_unchanged(runtime: Runtime, settings: Settings) -> None:
    first = await cli("import", str(DESIGN_EXAMPLE))
    assert first.exit_code == 0, first.output
    assert "  roaming_partners    1 created" in first.stdout
    before = await all_rows(runtime)
    again = await cli("import", str(DESIGN_EXAMPLE))
    assert again.stdout.startswith("imported design-example.yaml: nothing changed"), again.output
    assert await all_rows(runtime) == before


PARTNER = "  - {key: roam-x, name: X, country_code: DE, party_id: RHX, token: ocpi-token-rhx}\n"
LOCATION = (
    "organisations: [{key: host, name: Host}]\nlocations:\n"
    "  - key: depot\n    org: host\n    name: Depot\n"
    "    address: {street: S 1, city: C, country: DEU}\n    coordinates: {lat: 1, lon: 2}\n"
)

BAD = [
    (
        "no token",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC}\n",
        "roaming_partners[0].token: a new roaming partner needs its credentials token",
    ),
    (
        "short token",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC, token: short}\n",
        "roaming_partners[0].token: a credentials token has 8 to 64 printable ASCII characters",
    ),
    (
        "token with a space",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC, token: 'has a space'}\n",
        "roaming_partners[0].token: a credentials token has 8 to 64",
    ),
    (
        "token and hash",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC, token: abcdefgh12, "
        f"token_hash: '{'0' * 64}'}}\n",
        "roaming_partners[0].token_hash: give token or token_hash, not both",
    ),
    (
        "bad hash",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC, token_hash: ABC}\n",
        "roaming_partners[0].token_hash: a token_hash is the sha256 of the token",
    ),
    (
        "country code",
        "roaming_partners:\n  - {key: r, name: R, country_code: DEU, party_id: ABC, token: abcdefgh12}\n",
        "roaming_partners[0].country_code: a country code is ISO 3166-1 alpha-2",
    ),
    (
        "NO read as false",
        "roaming_partners:\n  - {key: r, name: R, country_code: NO, party_id: ABC, token: abcdefgh12}\n",
        "roaming_partners[0].country_code: expected text, got False: put the value in quotes",
    ),
    (
        "party id",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: AB-C, token: abcdefgh12}\n",
        "roaming_partners[0].party_id: a party id has three letters or digits",
    ),
    (
        "role",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC, role: BANK, token: abcdefgh12}\n",
        "roaming_partners[0].role: Input should be",
    ),
    (
        "unknown key",
        "roaming_partners:\n  - {key: r, name: R, country_code: DE, party_id: ABC, secret: x}\n",
        "roaming_partners[0].secret: unknown key; allowed here: key, name, country_code, party_id, role, token",
    ),
    (
        "key twice",
        "roaming_partners:\n" + PARTNER + PARTNER.replace("RHX", "RHY").replace("rhx", "rhy"),
        "roaming_partners[1].key: roaming partner 'roam-x' is given twice (first at roaming_partners[0].key)",
    ),
    (
        "party twice",
        "roaming_partners:\n" + PARTNER + PARTNER.replace("roam-x", "roam-y").replace("rhx", "rhy"),
        "roaming_partners[1].party_id: OCPI party 'DE/RHX/EMSP' is given twice",
    ),
    (
        "token twice",
        "roaming_partners:\n" + PARTNER + PARTNER.replace("roam-x", "roam-y").replace("RHX", "RHY"),
        "roaming_partners[1].token: the same credentials token as roaming_partners[0].token",
    ),
    (
        "allowed_to on a published location",
        LOCATION + "    publish: true\n    publish_allowed_to: [{group_id: G}]\n",
        "locations[0].publish_allowed_to: a published location (publish: true) is shown to everybody",
    ),
    (
        "empty publish token",
        LOCATION + "    publish_allowed_to: [{}]\n",
        "locations[0].publish_allowed_to[0]: give at least one of uid, visual_number or group_id",
    ),
    (
        "uid without type",
        LOCATION + "    publish_allowed_to: [{uid: '04A2'}]\n",
        "locations[0].publish_allowed_to[0].type: a uid needs its token type",
    ),
    (
        "visual number without issuer",
        LOCATION + "    publish_allowed_to: [{visual_number: '123'}]\n",
        "locations[0].publish_allowed_to[0].issuer: a visual_number needs the issuer",
    ),
    (
        "token type",
        LOCATION + "    publish_allowed_to: [{uid: '04A2', type: CARD}]\n",
        "locations[0].publish_allowed_to[0].type: Input should be",
    ),
    (
        "uid too long",
        LOCATION + f"    publish_allowed_to: [{{uid: '{'A' * 37}', type: RFID}}]\n",
        "locations[0].publish_allowed_to[0].uid: String should have at most 36 characters",
    ),
    (
        "allowed_to without an address",
        "organisations: [{key: host, name: Host}]\nlocations:\n"
        "  - {key: depot, org: host, name: Depot, publish_allowed_to: [{group_id: G}]}\n",
        "locations[0].publish_allowed_to: a location shown over OCPI needs address street",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_names_the_path_and_writes_nothing(
    runtime: Runtime, settings: Settings, tmp_path: Path, name: str, content: str, message: str
) -> None:
    before = await all_rows(runtime)
    result = await cli("import", str(write(tmp_path, content, "bad.yaml")))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert await all_rows(runtime) == before


async def test_database_conflicts_name_the_path(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    assert (await cli("import", str(write(tmp_path, SETUP)))).exit_code == 0
    before = await all_rows(runtime)
    cases = [
        (
            "roaming_partners:\n  - {key: other, name: O, country_code: DE, party_id: RHX, token: other-token-1}\n",
            "roaming_partners[0].party_id: roaming partner 'roam-x' already is DE/RHX/EMSP",
        ),
        (
            "roaming_partners:\n  - {key: other, name: O, country_code: DE, party_id: OTH, token: ocpi-token-rhx}\n",
            "roaming_partners[0].token: roaming partner 'roam-x' already uses this credentials token",
        ),
    ]
    for content, message in cases:
        result = await cli("import", str(write(tmp_path, content, "conflict.yaml")))
        assert result.exit_code == 2 and result.stderr.startswith(f"error: {message}"), result.stderr
    assert await all_rows(runtime) == before
    # Handing a party over within one file is fine: the file says where both end up.
    swap = (
        "roaming_partners:\n"
        "  - {key: roam-x, name: X, country_code: DE, party_id: OLD, token: ocpi-token-rhx}\n"
        "  - {key: other, name: O, country_code: DE, party_id: RHX, token: other-token-1}\n"
    )
    result = await cli("import", str(write(tmp_path, swap, "swap.yaml")))
    assert result.exit_code == 0, result.output
