"""Statements per page of the token list: a fixed small bound, the same on SQLite and PostgreSQL,
however many tokens the page holds and whatever they refer to (organisation, employee, vehicle,
cost centre). A page that looked up a reference per token would fail here."""

from __future__ import annotations

from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.fleet import cost_centres, employees, tokens, vehicles
from depotshare.services.runtime import Runtime
from tests.support.helpers import SYSTEM, login, make_tree, make_user
from tests.support.statements import counting

PAGE = 50
# Measured 7 on both databases: the caller (user and roles), the page, one query per kind of
# reference (organisation, employee, vehicle, cost centre).
PAGE_STATEMENTS = 8


async def _fleet(runtime: Runtime) -> None:
    await make_tree(runtime, {"holding": None, "north": "holding", "south": "holding"})
    await make_user(runtime, "fm@holding.example", (Role.FLEET_MANAGER, "holding"))
    for org in ("north", "south"):
        async with runtime.uow() as uow:
            await cost_centres.create_cost_centre(uow, SYSTEM, org=org, code=f"CC-{org}", name=org)
        for n in range(3):
            async with runtime.uow() as uow:
                await employees.create_employee(
                    uow, SYSTEM, key=f"emp-{org}-{n}", org=org, name=f"E{n}", cost_centre=f"CC-{org}"
                )
            async with runtime.uow() as uow:
                await vehicles.create_vehicle(uow, SYSTEM, key=f"truck-{org}-{n}", org=org, plate=f"HH-{n}")
    for i in range(PAGE):
        org = ("north", "south")[i % 2]
        async with runtime.uow() as uow:
            await tokens.create_token(
                uow,
                SYSTEM,
                uid=f"04A2B3C4{i:06X}",
                org=org,
                employee=f"emp-{org}-{i % 3}",
                vehicle=f"truck-{org}-{(i + 1) % 3}",
                cost_centre=f"CC-{org}" if i % 4 else None,
            )


async def test_a_page_of_tokens_costs_a_fixed_number_of_statements(
    client: AsyncClient, runtime: Runtime
) -> None:
    await _fleet(runtime)
    h = await login(client, "fm@holding.example")
    with counting(runtime.engine) as small:
        r = await client.get("/api/v1/tokens", params={"limit": "2"}, headers=h)
    assert r.status_code == 200, r.text
    with counting(runtime.engine) as full:
        r = await client.get("/api/v1/tokens", params={"limit": str(PAGE)}, headers=h)
    assert r.status_code == 200, r.text
    page = r.json()["items"]
    assert len(page) == PAGE
    assert all(t["employee"] and t["vehicle"] for t in page)
    assert {t["org"] for t in page} == {"north", "south"}
    assert len(full) <= PAGE_STATEMENTS, (len(full), full)
    assert len(full) == len(small), (full, small)  # fifty tokens cost what two do
