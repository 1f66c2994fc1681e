"""The import's `tariffs` and `partnerships` sections: the DESIGN.md example imports and re-imports
with no change; grants are matched by key or content and the ones a partnership no longer lists
are deleted; every bad value names its path and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from depotshare.store.access.models import Grant, GrantScope, Partnership, Tariff
from depotshare.store.common.models import AuditEntry
from depotshare.store.orgs.models import Organisation
from tests.services.setup.test_import import all_rows, cli, count, write
from tests.support.paths import FIXTURES

DESIGN_EXAMPLE = FIXTURES / "design-example.yaml"

# The host's depot with its station D-1, as both import tests' set-ups name it.
DEPOT = """\
  - key: depot
    org: host
    name: Depot
    timezone: Europe/Berlin
    stations:
      - id: D-1
        evses: [{id: 1, connectors: [{id: 1, standard: IEC_62196_T2}]}]
"""

SETUP = (
    """\
organisations:
  - key: host
    name: Host AG
    children: [{key: host-fleet, name: Host Fleet}]
  - key: partner
    name: Partner GmbH
  - key: stranger
    name: Stranger Ltd
locations:
"""
    + DEPOT
    + """\
      - id: D-2
        evses: [{id: 1, connectors: [{id: 1, standard: IEC_62196_T2}]}]
  - key: elsewhere
    org: stranger
    name: Elsewhere
    stations: [{id: X-1}]
tariffs:
  - key: night
    owner: host
    currency: EUR
    elements:
      - price_components: [{type: ENERGY, price: "0.25", vat: 19}]
        restrictions: {start_time: "22:00", end_time: "06:00", day_of_week: [MONDAY]}
      - price_components: [{type: ENERGY, price: 0.3}, {type: FLAT, price: "1.00"}]
"""
)

PARTNERSHIP = """\
partnerships:
  - host: host
    partner: partner
    tariff: night
    revenue_share: [{party: host, percent: 62.5}, {party: operator, percent: "37.5"}]
    grants:
      - key: nights
        locations: [depot]
        days: [fri, mon]
        hours: "20:00-06:00"
      - evses: [{station: D-1, evse: 1}]
        group: PARTNER-POOL
        windows: [{days: [sat]}, {hours: "00:00-06:00"}]
        max_concurrent: 2
        max_power_kw: 50.5
        connector_standards: [IEC_62196_T2]
        priority: 3
      - stations: [D-2]
"""


async def imported(tmp_path: Path, content: str, name: str = "setup.yaml") -> str:
    result = await cli("import", str(write(tmp_path, content, name)))
    assert result.exit_code == 0, result.output
    return result.stdout


async def rows(runtime: Runtime, model: Any) -> list[Any]:
    async with runtime.uow() as uow:
        found = list((await uow.session.scalars(select(model).order_by(model.id))).all())
        uow.session.expunge_all()  # plain values to compare after the unit of work ends
        return found


async def test_the_design_example_imports_and_reimports_unchanged(
    runtime: Runtime, settings: Settings
) -> None:
    first = await cli("import", str(DESIGN_EXAMPLE))
    assert first.exit_code == 0, first.output
    assert "  tariffs           1 created" in first.stdout
    assert "  partnerships      1 created" in first.stdout
    assert "  grants            2 created" in first.stdout
    before, audits = await all_rows(runtime), await count(runtime, AuditEntry)
    again = await cli("import", str(DESIGN_EXAMPLE))
    assert again.stdout.startswith("imported design-example.yaml: nothing changed"), again.output
    assert await all_rows(runtime) == before and await count(runtime, AuditEntry) == audits

    (partnership,) = await rows(runtime, Partnership)
    assert partnership.revenue_share == [
        {"party": "acme-north", "percent": "70"},
        {"party": "operator", "percent": "30"},
    ]
    (tariff,) = await rows(runtime, Tariff)
    assert tariff.currency == "EUR" and partnership.tariff_id == tariff.id and tariff.org_id is None
    assert tariff.elements[0] == {
        "price_components": [{"type": "ENERGY", "price": "0.25", "vat": "19", "step_size": 1}],
        "restrictions": {"start_time": "22:00", "end_time": "06:00"},
    }
    windowed, anytime = await rows(runtime, Grant)
    assert windowed.windows == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "20:00", "end": "06:00"}
    ]
    assert (windowed.priority, anytime.priority, anytime.windows) == (2, 2, [])
    assert windowed.host_org_id == partnership.host_org_id and windowed.partnership_id == partnership.id


async def test_grants_are_stored_in_normal_form(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    out = await imported(tmp_path, SETUP + PARTNERSHIP)
    assert out.splitlines()[0].startswith("imported setup.yaml:")
    nights, evse, station = await rows(runtime, Grant)
    assert nights.key == "nights" and nights.windows == [
        {"days": ["mon", "fri"], "start": "20:00", "end": "06:00"}
    ]
    assert evse.windows == [
        {"days": ["sat"], "start": "00:00", "end": "24:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "06:00"},
    ]
    assert (evse.group_id, evse.max_concurrent, evse.priority) == ("PARTNER-POOL", 2, 3)
    assert float(evse.max_power_kw or 0) == 50.5 and evse.connector_standards == ["IEC_62196_T2"]
    scopes = await rows(runtime, GrantScope)
    by_grant = {s.grant_id: s for s in scopes}
    assert by_grant[nights.id].location_id is not None and by_grant[nights.id].station_id is None
    assert by_grant[evse.id].station_id is not None and by_grant[evse.id].evse_id == 1
    assert by_grant[station.id].station_id is not None and by_grant[station.id].evse_id is None
    (partnership,) = await rows(runtime, Partnership)
    assert partnership.revenue_share == [
        {"party": "host", "percent": "62.5"},
        {"party": "operator", "percent": "37.5"},
    ]
    (tariff,) = await rows(runtime, Tariff)
    assert tariff.elements[1]["price_components"] == [
        {"type": "ENERGY", "price": "0.3", "step_size": 1},
        {"type": "FLAT", "price": "1", "step_size": 1},
    ]


async def test_grants_follow_the_file(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    """Keyed grants are updated in place; unkeyed ones are matched by content; grants the entry no
    longer lists are deleted. A partnership entry without `grants` leaves them alone."""
    await imported(tmp_path, SETUP + PARTNERSHIP)
    nights, _, station = await rows(runtime, Grant)
    changed = (
        PARTNERSHIP.replace('hours: "20:00-06:00"', 'hours: "21:00-05:30"')
        .replace("      - stations: [D-2]\n", "")
        .replace("days: [fri, mon]", "days: [mon, fri]")
    )
    out = await imported(tmp_path, changed, "changed.yaml")
    assert out.splitlines()[0] == "imported changed.yaml: 0 created, 1 updated, 1 deleted"
    assert "  grants            0 created    1 updated    1 unchanged    1 deleted" in out
    grants = await rows(runtime, Grant)
    assert [g.id for g in grants] == [nights.id, nights.id + 1]
    assert grants[0].windows[0]["start"] == "21:00"
    assert all(s.grant_id != station.id for s in await rows(runtime, GrantScope))
    audit = [a for a in await rows(runtime, AuditEntry) if a.actor == "import changed.yaml"]
    assert sorted((a.entity, a.action) for a in audit) == [("grant", "delete"), ("grant", "update")]
    deleted = next(a for a in audit if a.action == "delete")
    assert deleted.before == {  # the API's snapshot of a grant: every term, its partnership's ref
        "partnership": "host:partner",
        "key": None,
        "subject": None,
        "group": None,
        "windows": [],
        "valid_from": None,
        "valid_until": None,
        "priority": 2,
        "max_concurrent": None,
        "max_power_kw": None,
        "connector_standards": None,
        "status": "active",
        "stations": ["D-2"],
    }

    untouched = "partnerships:\n  - {host: host, partner: partner, status: suspended}\n"
    out = await imported(tmp_path, untouched, "suspend.yaml")
    assert out.splitlines()[0] == "imported suspend.yaml: 0 created, 1 updated"
    assert len(await rows(runtime, Grant)) == 2
    (partnership,) = await rows(runtime, Partnership)
    assert partnership.status == "suspended" and partnership.revenue_share != []

    out = await imported(
        tmp_path, "partnerships:\n  - {host: host, partner: partner, grants: []}\n", "none.yaml"
    )
    assert out.splitlines()[0] == "imported none.yaml: 0 created, 0 updated, 2 deleted"
    assert await rows(runtime, Grant) == [] and await rows(runtime, GrantScope) == []


async def test_tariffs_are_upserted_by_key(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    await imported(tmp_path, SETUP)
    cheaper = "tariffs:\n  - key: night\n    currency: EUR\n    elements: [{price_components: [{type: TIME, price: 2}]}]\n"
    out = await imported(tmp_path, cheaper, "cheaper.yaml")
    assert "  tariffs           0 created    1 updated    0 unchanged" in out
    (tariff,) = await rows(runtime, Tariff)
    assert tariff.elements == [{"price_components": [{"type": "TIME", "price": "2", "step_size": 1}]}]
    assert tariff.org_id is not None  # `owner` left out keeps the stored owner
    entry = next(a for a in await rows(runtime, AuditEntry) if (a.entity, a.action) == ("tariff", "update"))
    assert entry.before["owner"] == "host"
    assert entry.after["elements"][0]["price_components"][0]["price"] == "2"


PREFIX = SETUP
BAD = [
    (
        "unknown partner",
        "  - {host: host, partner: nobody}\n",
        "partnerships[0].partner: organisation 'nobody' is neither",
    ),
    (
        "partner inside the host",
        "  - {host: host, partner: host-fleet}\n",
        "partnerships[0].partner: 'host-fleet' is part of 'host''s own tree",
    ),
    (
        "partnership twice",
        "  - {host: host, partner: partner}\n  - {host: host, partner: partner}\n",
        "partnerships[1].partner: partnership 'host -> partner' is given twice",
    ),
    (
        "shares not 100",
        "  - {host: host, partner: partner, revenue_share: [{party: host, percent: 70}]}\n",
        "partnerships[0].revenue_share: the shares add up to 70 percent, not 100",
    ),
    (
        "unknown share party",
        "  - {host: host, partner: partner, revenue_share: [{party: ghost, percent: 100}]}\n",
        "partnerships[0].revenue_share[0].party: organisation 'ghost'",
    ),
    (
        "percent not a number",
        "  - {host: host, partner: partner, revenue_share: [{party: host, percent: lots}]}\n",
        "partnerships[0].revenue_share[0].percent: Value error, expected a decimal number",
    ),
    (
        "unknown tariff",
        "  - {host: host, partner: partner, tariff: day}\n",
        "partnerships[0].tariff: tariff 'day' is neither",
    ),
    (
        "tariff of another customer",
        "  - {host: stranger, partner: partner, tariff: night}\n",
        "partnerships[0].tariff: tariff 'night' belongs to 'host', which is not 'stranger' or above it",
    ),
    (
        "bad hours",
        "  - {host: host, partner: partner, grants: [{locations: [depot], hours: '20:00-6:00'}]}\n",
        "partnerships[0].grants[0].hours: hours are HH:MM-HH:MM",
    ),
    (
        "empty window",
        "  - {host: host, partner: partner, grants: [{locations: [depot], hours: '20:00-20:00'}]}\n",
        "partnerships[0].grants[0].hours: an empty window",
    ),
    (
        "bad day",
        "  - {host: host, partner: partner, grants: [{locations: [depot], days: [monday]}]}\n",
        "partnerships[0].grants[0].days[0]: Input should be 'mon'",
    ),
    (
        "days and windows",
        "  - {host: host, partner: partner, grants: [{locations: [depot], days: [mon], windows: [{days: [tue]}]}]}\n",
        "partnerships[0].grants[0].windows: give days/hours (one window) or windows, not both",
    ),
    (
        "no scope",
        "  - {host: host, partner: partner, grants: [{days: [mon]}]}\n",
        "partnerships[0].grants[0]: a grant names exactly one of locations, stations or evses",
    ),
    (
        "location of a stranger",
        "  - {host: host, partner: partner, grants: [{locations: [elsewhere]}]}\n",
        "partnerships[0].grants[0].locations[0]: 'elsewhere' belongs to 'stranger', outside the host 'host'",
    ),
    (
        "station of a stranger",
        "  - {host: host, partner: partner, grants: [{stations: [D-1, X-1]}]}\n",
        "partnerships[0].grants[0].stations[1]: 'X-1' belongs to 'stranger'",
    ),
    (
        "unknown EVSE",
        "  - {host: host, partner: partner, grants: [{evses: [{station: D-1, evse: 2}]}]}\n",
        "partnerships[0].grants[0].evses[0].evse: station 'D-1' has no EVSE 2",
    ),
    (
        "bad group",
        "  - {host: host, partner: partner, grants: [{locations: [depot], group: 'a b'}]}\n",
        "partnerships[0].grants[0].group: a group id has 1 to 20 characters",
    ),
    (
        "priority 0",
        "  - {host: host, partner: partner, grants: [{locations: [depot], priority: 0}]}\n",
        "partnerships[0].grants[0].priority: priority is 1 (highest) or more",
    ),
    (
        "bad connector",
        "  - {host: host, partner: partner, grants: [{locations: [depot], connector_standards: [TYPE2]}]}\n",
        "partnerships[0].grants[0].connector_standards[0]: 'TYPE2' is not an OCPI 2.2.1 connector type",
    ),
    (
        "grant key twice",
        "  - {host: host, partner: partner, grants: [{key: a, locations: [depot]}, {key: a, stations: [D-1]}]}\n",
        "partnerships[0].grants[1].key: grant 'a' is given twice",
    ),
]
BAD_TARIFFS = [
    (
        "negative price",
        "  - {key: t, currency: EUR, elements: [{price_components: [{type: ENERGY, price: '-1'}]}]}\n",
        "tariffs[0].elements[0].price_components[0].price: a price is not negative",
    ),
    (
        "lower-case currency",
        "  - {key: t, currency: eur, elements: [{price_components: [{type: ENERGY, price: 1}]}]}\n",
        "tariffs[0].currency: a currency is an ISO 4217 code",
    ),
    (
        "unknown component",
        "  - {key: t, currency: EUR, elements: [{price_components: [{type: KWH, price: 1}]}]}\n",
        "tariffs[0].elements[0].price_components[0].type: Input should be",
    ),
    (
        "no components",
        "  - {key: t, currency: EUR, elements: [{price_components: []}]}\n",
        "tariffs[0].elements[0].price_components: List should have at least 1 item",
    ),
    (
        "unquoted time",
        "  - {key: t, currency: EUR, elements: [{price_components: [{type: ENERGY, price: 1}], restrictions: {start_time: 22:00}}]}\n",
        "tariffs[0].elements[0].restrictions.start_time: expected text, got 1320",
    ),
    (
        "unknown restriction",
        "  - {key: t, currency: EUR, elements: [{price_components: [{type: ENERGY, price: 1}], restrictions: {after: 1}}]}\n",
        "tariffs[0].elements[0].restrictions.after: unknown key; allowed here: start_time",
    ),
]


@pytest.mark.parametrize(
    ("section", "body", "message"),
    [("partnerships", *c[1:]) for c in BAD] + [("tariffs", *c[1:]) for c in BAD_TARIFFS],
    ids=[c[0] for c in BAD + BAD_TARIFFS],
)
async def test_bad_entries_name_the_path_and_write_nothing(
    runtime: Runtime, settings: Settings, tmp_path: Path, section: str, body: str, message: str
) -> None:
    content = SETUP + f"{section}:\n{body}" if section == "partnerships" else SETUP.split("tariffs:")[0] + f"tariffs:\n{body}"  # fmt: skip
    result = await cli("import", str(write(tmp_path, content)))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert await count(runtime, Organisation) == 0 and await count(runtime, AuditEntry) == 0
