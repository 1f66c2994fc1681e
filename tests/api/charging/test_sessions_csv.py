"""GET /api/v1/sessions as CSV (`format=csv` or `Accept: text/csv`): every matching session, the
same scope and filters as the JSON pages, streamed in batches, formula-looking text quoted."""

from __future__ import annotations

import csv
import io

import pytest
from httpx import AsyncClient

from depotshare.services.charging import queries as charging_sessions
from depotshare.services.charging.queries import CSV_COLUMNS
from depotshare.services.runtime import Runtime
from tests.api.charging import test_sessions_api as sessions_api
from tests.api.charging.test_sessions_api import API, JANE_CARD, Built, _problem
from tests.support.charging_rows import add_session
from tests.support.helpers import login

# The sessions API tests' world: shared by the reading test, in a database of its own for the one
# that adds sessions.
built, world, own_world = sessions_api.built, sessions_api.world, sessions_api.own_world


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_csv_has_the_pages_sessions_and_filters(client: AsyncClient, world: dict[str, int]) -> None:
    fleet = await login(client, "fleet@north.example")
    r = await client.get(API, headers=fleet, params={"format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="sessions.csv"'
    table = rows(r.text)
    assert table[0] == list(CSV_COLUMNS)
    assert [int(row[0]) for row in table[1:]] == [world["mu_jane"], world["hh_jane"]]  # newest first
    hh = dict(zip(table[0], next(row for row in table if row[0] == str(world["hh_jane"])), strict=True))
    assert (hh["station"], hh["location"], hh["token"], hh["employee"], hh["energy_kwh"]) == (
        "HH-01",
        "depot-hamburg",
        JANE_CARD,
        "emp-jane",
        "12.345",
    )
    assert hh["started_at"] == "2026-03-01T10:00:00Z"

    # Accept: text/csv, with a filter; the facility side sees no fleet internals, as in JSON.
    fac = await login(client, "fac@north.example")
    r = await client.get(API, headers={**fac, "Accept": "text/csv"}, params={"state": "active"})
    table = rows(r.text)
    assert [int(row[0]) for row in table[1:]] == [world["hh_swift"]]
    assert dict(zip(table[0], table[1], strict=True))["employee"] == ""
    # Bad filters are a problem before anything streams.
    _problem(await client.get(API, headers=fac, params={"format": "csv", "from": "yesterday"}), 422, "from")


async def test_csv_streams_every_session_in_batches_and_quotes_formulas(
    client: AsyncClient, runtime: Runtime, own_world: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = own_world.sessions  # this test adds sessions: a database of its own
    monkeypatch.setattr(charging_sessions, "EXPORT_BATCH", 3)  # batches of 3: several, one partial
    many = 5
    for i in range(many):
        await add_session(runtime, station="MU-01", owner_org="south", id_token=f"=HYPERLINK({i})")
    admin = await login(client, "admin@holding.example")
    table = rows((await client.get(API, headers=admin, params={"format": "csv"})).text)
    ids = [int(row[0]) for row in table[1:]]
    assert len(ids) == len(set(ids)) == many + len(world)
    assert ids == sorted(ids, reverse=True)
    id_token = table[0].index("id_token")
    assert table[1][id_token] == f"'=HYPERLINK({many - 1})"
