"""Bad input to the fleet's four families (employees, vehicles, tokens, cost centres) is refused
as problem+json naming the field, and writes nothing: one test over every family's cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from httpx import AsyncClient

from depotshare.services.runtime import Runtime
from tests.api.fleet.fleet_world import (
    cost_centres_world,
    create,
    employees_world,
    every_page,
    tokens_world,
    vehicles_world,
)
from tests.support.helpers import login

State = Callable[[AsyncClient, str, dict[str, str]], Awaitable[object]]


async def _listed(client: AsyncClient, api: str, h: dict[str, str]) -> object:
    return await every_page(client, api, h)


async def _listed_and_audited(client: AsyncClient, api: str, h: dict[str, str]) -> object:
    return await every_page(client, api, h), (await client.get("/api/v1/audit-log", headers=h)).json()


async def _listed_and_audit_count(client: AsyncClient, api: str, h: dict[str, str]) -> object:
    audit = await client.get("/api/v1/audit-log", params={"limit": "500"}, headers=h)
    return await every_page(client, api, h, limit=100), len(audit.json()["items"])


@dataclass(frozen=True)
class Family:
    """Where a family's bad input goes: its world, who sends it, the object made first (the
    target of a patch), and what must stay as it was."""

    api: str
    world: Callable[[Runtime], Awaitable[None]]
    sender: str
    seed: dict[str, Any]
    state: State


EMPLOYEES = Family(
    "/api/v1/employees",
    employees_world,
    "admin@holding.example",
    {"key": "emp-1", "org": "north", "name": "A"},
    _listed_and_audited,
)
VEHICLES = Family(
    "/api/v1/vehicles",
    vehicles_world,
    "fm@holding.example",
    {"key": "truck-1", "org": "north", "plate": "HH-T-1", "employee": "emp-anna"},
    _listed,
)
TOKENS = Family(
    "/api/v1/tokens",
    tokens_world,
    "admin@holding.example",
    {"uid": "00000001", "org": "north"},
    _listed_and_audit_count,
)
# The token cases that patch start from a card with references and a validity to change.
TOKEN_UPDATES = replace(
    TOKENS, seed={"uid": "0A0A0A0A", "org": "north", "employee": "emp-jane", "valid_from": "2026-01-01"}
)
COST_CENTRES = Family(
    "/api/v1/cost-centres",
    cost_centres_world,
    "fm@holding.example",
    {"org": "north", "code": "N-1", "name": "North"},
    _listed,
)

# (method, path below the family's API, formatted with the seed as created; body; status; field)
Case = tuple[str, str, dict[str, Any], int, str]

EMPLOYEE_CASES: list[Case] = [
    ("post", "", {"key": "emp-9", "org": "north", "name": "x", "age": 3}, 422, "body.age"),
    ("post", "", {"key": "Emp 9", "org": "north", "name": "x"}, 422, "body.key"),
    ("post", "", {"key": "emp-9", "org": "north", "name": ""}, 422, "body.name"),
    ("post", "", {"key": "emp-9", "org": "north", "name": "x", "email": "not-an-email"}, 422, "body.email"),
    ("post", "", {"key": "emp-9", "org": "nowhere", "name": "x"}, 404, "organisation"),
    ("post", "", {"key": "emp-9", "org": "north", "name": "x", "cost_centre": "S-1"}, 422, "cost_centre"),
    ("post", "", {"key": "emp-9", "org": "north", "name": "x", "cost_centre": "NOPE"}, 422, "cost_centre"),
    ("post", "", {"key": "emp-9", "org": "north", "name": "x", "user": "olaf@other.example"}, 422, "user"),
    ("post", "", {"key": "emp-9", "org": "north", "name": "x", "user": "nobody@north.example"}, 422, "user"),
    ("post", "", {"key": "emp-1", "org": "south", "name": "dup"}, 409, "key"),
]
VEHICLE_CASES: list[Case] = [
    ("post", "", {"key": "v-9", "org": "north", "plate": "P", "wheels": 4}, 422, "body.wheels"),
    ("post", "", {"key": "v-9", "org": "north"}, 422, "body.plate"),
    ("post", "", {"key": "v-9", "org": "north", "plate": "P" * 33}, 422, "body.plate"),
    ("post", "", {"key": "v-9", "org": "north", "plate": "P", "employee": "emp-cleo"}, 422, "employee"),
    ("post", "", {"key": "v-9", "org": "north", "plate": "P", "employee": "emp-x"}, 422, "employee"),
    ("post", "", {"key": "v-9", "org": "holding", "plate": "P", "cost_centre": "N-1"}, 422, "cost_centre"),
    ("post", "", {"key": "v-9", "org": "other", "plate": "P"}, 404, "organisation"),
    ("post", "", {"key": "truck-1", "org": "north", "plate": "P"}, 409, "key"),
    ("patch", "/{key}", {"plate": None}, 422, "body.plate"),
    ("patch", "/{key}", {"key": "truck-2"}, 422, "body.key"),
    ("patch", "/{key}", {"org": "south"}, 422, "employee"),
    ("patch", "/{key}", {"description": "ok", "employee": "emp-nobody"}, 422, "employee"),
]
TOKEN_CASES: list[Case] = [
    ("post", "", {"uid": "04A2B3C4", "org": "north", "colour": "red"}, 422, "body.colour"),
    ("post", "", {"uid": "not-hex!", "org": "north"}, 422, "uid"),
    ("post", "", {"uid": "04A2B3", "org": "north"}, 422, "uid"),
    ("post", "", {"uid": "12ab", "org": "north", "type": "KEY_CODE"}, 422, "uid"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "type": "CARD"}, 422, "body.type"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "group": "G" * 21}, 422, "group"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "group": "has space"}, 422, "group"),
    (
        "post",
        "",
        {"uid": "04A2B3C4", "org": "north", "valid_from": "2026-06-01", "valid_until": "2026-05-31"},
        422,
        "valid_until",
    ),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "valid_from": "yesterday"}, 422, "body.valid_from"),
    ("post", "", {"uid": "04A2B3C4", "org": "nowhere"}, 404, "organisation"),
    ("post", "", {"uid": "04A2B3C4", "org": "other"}, 404, "organisation"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "employee": "emp-nobody"}, 422, "employee"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "employee": "emp-x"}, 422, "employee"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "vehicle": "truck-99"}, 422, "vehicle"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "cost_centre": "CC-404"}, 422, "cost_centre"),
    ("post", "", {"uid": "04A2B3C4", "org": "south", "cost_centre": "CC-100"}, 422, "cost_centre"),
    ("post", "", {"uid": "00:00:00:01", "org": "north"}, 409, "uid"),
    ("post", "", {"uid": "04A2B3C4", "org": "north", "status": None}, 422, "body.status"),
]
# Another spelling of the seed's uid: a patch reaches the card however its uid is written.
TOKEN_UPDATE_CASES: list[Case] = [
    ("patch", "/0a:0a:0a:0a", body, status, field)
    for body, status, field in [
        ({"status": None}, 422, "body.status"),
        ({"org": None}, 422, "body.org"),
        ({"uid": "05050505"}, 422, "body.uid"),
        ({"type": "KEY_CODE"}, 422, "type"),
        ({"valid_until": "2025-12-31"}, 422, "valid_until"),
        ({"group": ""}, 422, "group"),
        ({"label": "x" * 101}, 422, "body.label"),
        ({"employee": "emp-x"}, 422, "employee"),
        ({"org": "south"}, 422, "employee"),
        ({"org": "other"}, 404, "organisation"),
        ({"label": "changed", "cost_centre": "CC-HQ", "vehicle": "truck-404"}, 422, "vehicle"),
    ]
]
COST_CENTRE_CASES: list[Case] = [
    ("post", "", {"org": "north", "code": "C", "name": "n", "extra": 1}, 422, "body.extra"),
    ("post", "", {"org": "north", "code": "", "name": "n"}, 422, "body.code"),
    ("post", "", {"org": "north", "code": "C" * 65, "name": "n"}, 422, "body.code"),
    ("post", "", {"org": "north", "code": "C", "name": ""}, 422, "body.name"),
    ("post", "", {"org": "nowhere", "code": "C", "name": "n"}, 404, "organisation"),
    ("post", "", {"org": "north", "code": "N-1", "name": "dup"}, 409, "code"),
    ("patch", "/{id}", {"name": None}, 422, "body.name"),
    ("patch", "/{id}", {"org": "other"}, 404, "organisation"),
    ("patch", "/{id}", {"id": 5}, 422, "body.id"),
    ("get", "/99999999999", {}, 422, "path.cc_id"),
    ("get", "/abc", {}, 422, "path.cc_id"),
]

CASES = [
    pytest.param(family, *case, id=f"{name}-{i}-{case[0]}-{case[4]}")
    for name, family, cases in [
        ("employees", EMPLOYEES, EMPLOYEE_CASES),
        ("vehicles", VEHICLES, VEHICLE_CASES),
        ("tokens", TOKENS, TOKEN_CASES),
        ("token-updates", TOKEN_UPDATES, TOKEN_UPDATE_CASES),
        ("cost-centres", COST_CENTRES, COST_CENTRE_CASES),
    ]
    for i, case in enumerate(cases)
]


@pytest.mark.parametrize(("family", "method", "path", "body", "status", "field"), CASES)
async def test_bad_input_writes_nothing(
    client: AsyncClient,
    runtime: Runtime,
    family: Family,
    method: str,
    path: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    await family.world(runtime)
    h = await login(client, family.sender)
    seed = await create(client, family.api, h, **family.seed)
    before = await family.state(client, family.api, h)
    url = family.api + path.format(**seed)
    r = await (
        client.get(url, headers=h) if method == "get" else client.request(method, url, json=body, headers=h)
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if status == 422:
        assert r.json()["errors"][0]["field"] == field
    assert field.split(".")[-1] in r.json()["detail"]
    assert await family.state(client, family.api, h) == before
