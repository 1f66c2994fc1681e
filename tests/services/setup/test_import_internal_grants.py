"""The import's `internal_grants` section: a host's explicit grants for its own fleet. Idempotent
(matched by key, or by subject and content), the complete set of each host it names, all or
nothing with exact paths; `export` writes them back and the round trip gives the same text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from depotshare.store.access.models import Grant, GrantScope
from depotshare.store.common.models import AuditEntry
from depotshare.store.orgs.models import Organisation
from tests.services.setup.test_export import assert_round_trip, export
from tests.services.setup.test_import import all_rows, cli, count, write
from tests.services.setup.test_import_partnerships import DEPOT, imported, rows

SETUP = (
    """\
organisations:
  - key: host
    name: Host AG
    children:
      - key: host-fleet
        name: Host Fleet
        children: [{key: night-shift, name: Night shift}]
      - key: host-depots
        name: Host Depots
  - key: partner
    name: Partner GmbH
locations:
"""
    + DEPOT
    + """\
  - key: kiel
    org: host-depots
    name: Kiel
  - key: yard
    org: partner
    name: Yard
    stations: [{id: Y-1}]
"""
)

INTERNAL = """\
internal_grants:
  - host: host
    subject: night-shift
    key: nights
    locations: [depot]
    hours: "20:00-06:00"
    priority: 1
  - host: host
    evses: [{station: D-1, evse: 1}]
    group: DAY-POOL
    windows: [{days: [sat]}, {hours: "06:00-20:00"}]
    max_power_kw: 22
"""


async def test_internal_grants_import_and_reimport_unchanged(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    out = await imported(tmp_path, SETUP + INTERNAL)
    assert "  internal_grants    2 created    0 updated    0 unchanged" in out
    nights, pool = await rows(runtime, Grant)
    orgs = {o.key: o.id for o in await rows(runtime, Organisation)}
    assert (nights.partnership_id, nights.host_org_id, nights.subject_org_id) == (
        None,
        orgs["host"],
        orgs["night-shift"],
    )
    assert nights.windows == [
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "20:00", "end": "06:00"}
    ]
    assert (nights.priority, pool.priority, pool.subject_org_id, pool.group_id) == (1, 2, None, "DAY-POOL")
    audit = [a for a in await rows(runtime, AuditEntry) if a.entity == "internal_grant"]
    assert [a.action for a in audit] == ["create", "create"]
    assert audit[0].after["host"] == "host" and audit[0].after["subject"] == "night-shift"

    before, audits = await all_rows(runtime), await count(runtime, AuditEntry)
    # The same file spelled differently: unkeyed grants are matched by subject and content.
    respelled = INTERNAL.replace('hours: "06:00-20:00"}', 'hours: "06:00-20:00", days: [sun, mon, tue, wed, thu, fri, sat]}')  # fmt: skip
    again = await imported(tmp_path, SETUP + respelled, "again.yaml")
    assert again.startswith("imported again.yaml: nothing changed"), again
    assert await all_rows(runtime) == before and await count(runtime, AuditEntry) == audits


async def test_internal_grants_follow_the_file_per_host(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    """Keyed grants are updated in place (subject included), unkeyed ones matched by subject and
    content, those a named host no longer lists deleted; a host the section does not name keeps
    its grants."""
    await imported(tmp_path, SETUP + INTERNAL)
    nights, pool = await rows(runtime, Grant)
    partner_own = "internal_grants:\n  - {host: partner, stations: [Y-1], hours: '08:00-18:00'}\n"
    await imported(tmp_path, partner_own, "partner.yaml")
    changed = "internal_grants:\n  - {host: host, key: nights, subject: host-fleet, locations: [depot]}\n"
    out = await imported(tmp_path, changed, "changed.yaml")
    assert out.splitlines()[0] == "imported changed.yaml: 0 created, 1 updated, 1 deleted"
    grants = await rows(runtime, Grant)
    assert [g.id for g in grants] == [nights.id, pool.id + 1]
    orgs = {o.key: o.id for o in await rows(runtime, Organisation)}
    assert (grants[0].subject_org_id, grants[0].windows, grants[0].priority) == (orgs["host-fleet"], [], 2)
    assert all(s.grant_id != pool.id for s in await rows(runtime, GrantScope))
    audit = [a for a in await rows(runtime, AuditEntry) if a.actor == "import changed.yaml"]
    assert sorted((a.entity, a.action) for a in audit) == [("internal_grant", "delete"), ("internal_grant", "update")]  # fmt: skip
    assert next(a for a in audit if a.action == "update").before["subject"] == "night-shift"


BAD = [
    (
        "unknown host",
        "  - {host: nobody, locations: [depot]}\n",
        "internal_grants[2].host: organisation 'nobody' is neither",
    ),
    (
        "subject of another company",
        "  - {host: host, subject: partner, locations: [depot]}\n",
        "internal_grants[2].subject: 'partner' is not 'host' or one of its organisations",
    ),
    (
        "unknown subject",
        "  - {host: host, subject: ghost, locations: [depot]}\n",
        "internal_grants[2].subject: organisation 'ghost' is neither",
    ),
    (
        "place of another company",
        "  - {host: host, locations: [depot, yard]}\n",
        "internal_grants[2].locations[1]: 'yard' belongs to 'partner', outside the host 'host'",
    ),
    (
        "subject above the place's owner",
        "  - {host: host, locations: [kiel]}\n",
        "internal_grants[2].locations[0]: 'kiel': an internal grant applies only where its subject 'host' lies within its owner 'host-depots'",
    ),
    (
        "unknown EVSE",
        "  - {host: host, evses: [{station: D-1, evse: 2}]}\n",
        "internal_grants[2].evses[0].evse: station 'D-1' has no EVSE 2",
    ),
    (
        "bad hours",
        "  - {host: host, locations: [depot], hours: '20:00-6:00'}\n",
        "internal_grants[2].hours: hours are HH:MM-HH:MM",
    ),
    (
        "priority 0",
        "  - {host: host, locations: [depot], priority: 0}\n",
        "internal_grants[2].priority: priority is 1 (highest) or more",
    ),
    (
        "no scope",
        "  - {host: host, days: [mon]}\n",
        "internal_grants[2]: a grant names exactly one of locations, stations or evses",
    ),
    (
        "key twice for one host",
        "  - {host: host, key: a, locations: [depot]}\n  - {host: host, key: a, stations: [D-1]}\n",
        "internal_grants[3].key: internal grant 'host:a' is given twice (first at internal_grants[2].key)",
    ),
    (
        "unknown key",
        "  - {host: host, locations: [depot], partner: partner}\n",
        "internal_grants[2].partner: unknown key",
    ),
]


@pytest.mark.parametrize(("body", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
async def test_bad_internal_grants_name_the_path_and_write_nothing(
    runtime: Runtime, settings: Settings, tmp_path: Path, body: str, message: str
) -> None:
    result = await cli("import", str(write(tmp_path, SETUP + INTERNAL + body)))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert await count(runtime, Organisation) == 0 and await count(runtime, AuditEntry) == 0


async def test_internal_grants_round_trip(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    await imported(tmp_path, SETUP + INTERNAL)
    first = await export()
    data = yaml.safe_load(first)
    assert list(data)[-1] == "internal_grants"
    nights, pool = data["internal_grants"]
    assert list(nights) == ["host", "subject", "key", "locations", "hours", "priority"]
    assert nights == {
        "host": "host",
        "subject": "night-shift",
        "key": "nights",
        "locations": ["depot"],
        "hours": "20:00-06:00",
        "priority": 1,
    }
    assert "subject" not in pool and pool["windows"] == [{"days": ["sat"]}, {"hours": "06:00-20:00"}]
    host_only = yaml.safe_load(await export("--org", "host"))["internal_grants"]
    assert [g.get("key") for g in host_only] == ["nights", None]
    assert "internal_grants" not in yaml.safe_load(await export("--org", "partner"))

    await assert_round_trip(runtime, tmp_path, first)
