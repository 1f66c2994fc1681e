"""What the fleet's API tests share: the organisation tree, the logins and fleet objects each
family's tests start from, and creating and listing over the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from httpx import AsyncClient

from depotshare.domain.orgs.roles import Role
from depotshare.services.fleet import cost_centres, employees, vehicles
from depotshare.services.runtime import Runtime
from tests.support.helpers import SYSTEM, make_tree, make_user

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding", "other": None}
Login = tuple[str, Sequence[tuple[Role, str | None]]]


async def make_fleet(
    runtime: Runtime,
    logins: Sequence[Login],
    cost_centre_specs: Sequence[tuple[str, str, str]] = (),
    employee_specs: Sequence[tuple[str, str, str | None]] = (),
    vehicle_specs: Sequence[tuple[str, str, str]] = (),
) -> None:
    """The tree, its logins, then cost centres (org, code, name), employees (key, org, login; named
    by their key) and vehicles (key, org, plate), each written by the system in a use case of its own."""
    await make_tree(runtime, TREE)
    for email, roles in logins:
        await make_user(runtime, email, *roles)
    for org, code, name in cost_centre_specs:
        async with runtime.uow() as uow:
            await cost_centres.create_cost_centre(uow, SYSTEM, org=org, code=code, name=name)
    for key, org, user in employee_specs:
        async with runtime.uow() as uow:
            await employees.create_employee(uow, SYSTEM, key=key, org=org, name=key, user=user)
    for key, org, plate in vehicle_specs:
        async with runtime.uow() as uow:
            await vehicles.create_vehicle(uow, SYSTEM, key=key, org=org, plate=plate)


async def create(client: AsyncClient, api: str, h: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await client.post(api, json=body, headers=h)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def every_page(
    client: AsyncClient, api: str, h: dict[str, str], limit: int = 2, **params: str
) -> list[dict[str, Any]]:
    """Every page of a listing, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        r = await client.get(api, params=query, headers=h)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


# --- the world each family's tests start from --------------------------------------------------


async def employees_world(runtime: Runtime) -> None:
    logins: list[Login] = [
        ("admin@holding.example", [(Role.ORG_ADMIN, "holding")]),
        ("fm@holding.example", [(Role.FLEET_MANAGER, "holding")]),
        ("fm@south.example", [(Role.FLEET_MANAGER, "south")]),
        ("fac@holding.example", [(Role.FACILITY_MANAGER, "holding")]),
        ("jane@north.example", [(Role.DRIVER, "north")]),
        ("olaf@other.example", [(Role.DRIVER, "other")]),
    ]
    codes = [("holding", "HQ", "HQ"), ("north", "N-1", "N-1"), ("south", "S-1", "S-1")]
    await make_fleet(runtime, logins, codes)


async def vehicles_world(runtime: Runtime) -> None:
    logins: list[Login] = [
        ("admin@holding.example", [(Role.ORG_ADMIN, "holding")]),
        ("fm@holding.example", [(Role.FLEET_MANAGER, "holding")]),
        ("fm@south.example", [(Role.FLEET_MANAGER, "south")]),
        ("fac@holding.example", [(Role.FACILITY_MANAGER, "holding")]),
    ]
    codes = [("holding", "HQ", "HQ"), ("north", "N-1", "N-1"), ("other", "N-1", "N-1")]
    people = [("emp-ceo", "holding", None), ("emp-anna", "north", None), ("emp-cleo", "south", None)]
    await make_fleet(runtime, logins, codes, [*people, ("emp-x", "other", None)])


async def tokens_world(runtime: Runtime) -> None:
    """A fleet manager per level, and fleet objects at the holding and in north."""
    logins: list[Login] = [
        ("fm@holding.example", [(Role.FLEET_MANAGER, "holding")]),
        ("fm@south.example", [(Role.FLEET_MANAGER, "south")]),
        ("fac@holding.example", [(Role.FACILITY_MANAGER, "holding")]),
        ("admin@holding.example", [(Role.ORG_ADMIN, "holding")]),
        ("jane@north.example", [(Role.DRIVER, "north")]),
        ("otto@north.example", [(Role.DRIVER, "north")]),
    ]
    codes = [("holding", "CC-HQ", "Holding"), ("north", "CC-100", "Trucks"), ("other", "CC-100", "Elsewhere")]
    people = [
        ("emp-ceo", "holding", None),
        ("emp-jane", "north", "jane@north.example"),
        ("emp-otto", "north", "otto@north.example"),
        ("emp-sam", "south", None),
        ("emp-x", "other", None),
    ]
    await make_fleet(runtime, logins, codes, people, [("truck-17", "north", "HH-AC-17")])


async def cost_centres_world(runtime: Runtime) -> None:
    logins: list[Login] = [
        ("fm@holding.example", [(Role.FLEET_MANAGER, "holding")]),
        ("fm@south.example", [(Role.FLEET_MANAGER, "south")]),
        ("fac@holding.example", [(Role.FACILITY_MANAGER, "holding")]),
        # Writes north's fleet; sees (only sees) the rest of the holding.
        ("fm@north.example", [(Role.FLEET_MANAGER, "north"), (Role.DRIVER, "holding")]),
    ]
    await make_fleet(runtime, logins)
