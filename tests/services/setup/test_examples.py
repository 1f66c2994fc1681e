"""The example set-ups (product brief, cases A and B) imported through the real CLI, then checked
login by login over the API: which organisations, logins, cards, locations, stations, employees
and vehicles each one sees, and what it may change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from click.testing import Result
from httpx import AsyncClient
from typer.testing import CliRunner

from depotshare.cli import app
from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from tests.support.paths import EXAMPLES

FAMILIES = ("tokens", "locations", "stations", "employees", "vehicles")
ID_FIELD = {"tokens": "uid", "locations": "key", "stations": "id", "employees": "key", "vehicles": "key"}


async def cli(*args: str) -> Result:
    # The CLI runs its own event loop (asyncio.run), so it gets a thread of its own.
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


@dataclass(frozen=True)
class Login:
    email: str
    password: str
    reach: frozenset[str]  # organisations it sees
    reads: frozenset[str] = frozenset()  # resource families it reads in `reach`
    admin_of: frozenset[str] = frozenset()  # organisations whose name and logins it may change
    own_tokens: frozenset[str] = frozenset()  # a driver's own cards
    users: frozenset[str] = frozenset()  # logins it sees


@dataclass(frozen=True)
class Example:
    file: str
    orgs: frozenset[str]
    owner: dict[str, dict[str, str]]  # family -> object id -> owning organisation
    logins: list[Login] = field(default_factory=list)

    def expected(self, login: Login, family: str) -> set[str]:
        if family == "tokens" and login.own_tokens:
            return set(login.own_tokens)
        if family not in login.reads:
            return set()
        return {key for key, org in self.owner[family].items() if org in login.reach}


def _s(*items: str) -> frozenset[str]:
    return frozenset(items)


FLEET_AND_FACILITY = _s(*FAMILIES)
FLEET = _s("tokens", "employees", "vehicles")
FACILITY = _s("locations", "stations", "employees")

# --- case A: a logistics holding in one country ----------------------------------------------------

A_SUBS = ("nordwind-spedition", "nordwind-kontrakt", "nordwind-express")
A_ORGS = _s("nordwind", *A_SUBS)
A_USERS = _s(
    "ops@voltwerk.example",
    "fleet@nordwind.example",
    "admin@spedition.nordwind.example",
    "admin@kontrakt.nordwind.example",
    "admin@express.nordwind.example",
    "j.krueger@nordwind.example",
)
CASE_A = Example(
    "case-a-logistics.yaml",
    A_ORGS,
    {
        "tokens": {
            "04A1B2C3D4E5F6": "nordwind",
            "04B7C8D9E0F1A2": "nordwind-spedition",
            "04C3D4E5F6A7B8": "nordwind-spedition",
            "04D9E0F1A2B3C4": "nordwind-spedition",
            "04E5F6A7B8C9D0": "nordwind-kontrakt",
            "04F1A2B3C4D5E6": "nordwind-kontrakt",
            "0412AB34CD56EF": "nordwind-express",
            "0498BA76DC54FE": "nordwind-express",
        },
        "locations": {
            "nordwind-hq-hamburg": "nordwind",
            "spedition-depot-billbrook": "nordwind-spedition",
            "kontrakt-warehouse-bremen": "nordwind-kontrakt",
            "express-hub-berlin": "nordwind-express",
        },
        "stations": {
            "NW-HQ-01": "nordwind",
            "NW-HQ-02": "nordwind",
            "SP-BB-01": "nordwind-spedition",
            "SP-BB-02": "nordwind-spedition",
            "KL-HB-01": "nordwind-kontrakt",
            "EX-B-01": "nordwind-express",
        },
        "employees": {
            "nw-1001": "nordwind",
            "sp-2001": "nordwind-spedition",
            "sp-2002": "nordwind-spedition",
            "kl-3001": "nordwind-kontrakt",
            "kl-3002": "nordwind-kontrakt",
            "ex-4001": "nordwind-express",
        },
        "vehicles": {
            "nw-car-01": "nordwind",
            "sp-van-07": "nordwind-spedition",
            "kl-car-03": "nordwind-kontrakt",
            "ex-van-12": "nordwind-express",
        },
    },
    [
        Login(
            "ops@voltwerk.example", "operator-demo-2026", A_ORGS, FLEET_AND_FACILITY, A_ORGS, users=A_USERS
        ),
        # The holding's fleet account: Fleet + Facility on the holding reaches every subsidiary,
        # but it administers nothing (no renaming, no logins).
        Login("fleet@nordwind.example", "nordwind-fleet-2026", A_ORGS, FLEET_AND_FACILITY),
        Login(
            "admin@spedition.nordwind.example",
            "spedition-admin-2026",
            _s("nordwind-spedition"),
            FLEET_AND_FACILITY,
            _s("nordwind-spedition"),
            users=_s("admin@spedition.nordwind.example", "j.krueger@nordwind.example"),
        ),
        Login(
            "admin@kontrakt.nordwind.example",
            "kontrakt-admin-2026",
            _s("nordwind-kontrakt"),
            FLEET_AND_FACILITY,
            _s("nordwind-kontrakt"),
            users=_s("admin@kontrakt.nordwind.example"),
        ),
        Login(
            "admin@express.nordwind.example",
            "express-admin-2026",
            _s("nordwind-express"),
            FLEET_AND_FACILITY,
            _s("nordwind-express"),
            users=_s("admin@express.nordwind.example"),
        ),
        # A driver linked to its employee record (`user:` in the file) sees its own card only.
        Login(
            "j.krueger@nordwind.example",
            "krueger-driver-2026",
            _s("nordwind-spedition"),
            own_tokens=_s("04B7C8D9E0F1A2"),
        ),
    ],
)

# --- case B: an international consultancy ---------------------------------------------------------

B_DE = _s("meridian-de", "meridian-strategy-de", "meridian-digital-de")
B_NL = _s("meridian-nl", "meridian-consulting-nl", "meridian-finance-nl")
B_ORGS = _s("meridian") | B_DE | B_NL
B_ADMINS = {
    "meridian-strategy-de": ("admin@strategy.meridian.example", "strategy-admin-2026"),
    "meridian-digital-de": ("admin@digital.meridian.example", "digital-admin-2026"),
    "meridian-consulting-nl": ("admin@consulting.meridian.example", "consulting-admin-2026"),
    "meridian-finance-nl": ("admin@finance.meridian.example", "finance-admin-2026"),
}
B_USERS = _s(
    "ops@voltwerk.example",
    "mobility@meridian.example",
    "facilities.de@meridian.example",
    "fleet.de@meridian.example",
    "facilities.nl@meridian.example",
    "fleet.nl@meridian.example",
    *(email for email, _ in B_ADMINS.values()),
)
CASE_B = Example(
    "case-b-consultancy.yaml",
    B_ORGS,
    {
        "tokens": {
            "04A5E1C2B3D401": "meridian",
            "04A5E1C2B3D411": "meridian-strategy-de",
            "04A5E1C2B3D412": "meridian-strategy-de",
            "04A5E1C2B3D421": "meridian-digital-de",
            "04A5E1C2B3D422": "meridian-digital-de",
            "04A5E1C2B3D4F1": "meridian-de",
            "04B6F2D3C4E531": "meridian-consulting-nl",
            "04B6F2D3C4E532": "meridian-consulting-nl",
            "04B6F2D3C4E541": "meridian-finance-nl",
            "04B6F2D3C4E5F1": "meridian-nl",
        },
        "locations": {
            "office-frankfurt": "meridian-de",
            "office-munich": "meridian-strategy-de",
            "office-amsterdam": "meridian-nl",
            "home-str-101": "meridian-strategy-de",
            "home-dig-201": "meridian-digital-de",
            "home-con-301": "meridian-consulting-nl",
            "home-fin-401": "meridian-finance-nl",
        },
        "stations": {
            "MER-FRA-01": "meridian-de",
            "MER-FRA-02": "meridian-de",
            "MER-MUC-01": "meridian-strategy-de",
            "MER-AMS-01": "meridian-nl",
            "HC-STR-101": "meridian-strategy-de",
            "HC-DIG-201": "meridian-digital-de",
            "HC-CON-301": "meridian-consulting-nl",
            "HC-FIN-401": "meridian-finance-nl",
        },
        "employees": {
            "grp-001": "meridian",
            "str-101": "meridian-strategy-de",
            "str-102": "meridian-strategy-de",
            "dig-201": "meridian-digital-de",
            "dig-202": "meridian-digital-de",
            "con-301": "meridian-consulting-nl",
            "con-302": "meridian-consulting-nl",
            "fin-401": "meridian-finance-nl",
        },
        "vehicles": {
            "str-car-101": "meridian-strategy-de",
            "dig-car-201": "meridian-digital-de",
            "con-car-301": "meridian-consulting-nl",
            "fin-car-401": "meridian-finance-nl",
        },
    },
    [
        Login(
            "ops@voltwerk.example", "operator-demo-2026", B_ORGS, FLEET_AND_FACILITY, B_ORGS, users=B_USERS
        ),
        Login("mobility@meridian.example", "meridian-group-2026", B_ORGS, FLEET_AND_FACILITY),
        Login("facilities.de@meridian.example", "facilities-de-2026", B_DE, FACILITY),
        Login("fleet.de@meridian.example", "fleet-de-2026", B_DE, FLEET),
        Login("facilities.nl@meridian.example", "facilities-nl-2026", B_NL, FACILITY),
        Login("fleet.nl@meridian.example", "fleet-nl-2026", B_NL, FLEET),
        *(
            Login(email, password, _s(org), FLEET_AND_FACILITY, _s(org), users=_s(email))
            for org, (email, password) in B_ADMINS.items()
        ),
    ],
)


async def import_example(example: Example) -> None:
    result = await cli("import", str(EXAMPLES / example.file))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"imported {example.file}: ")


async def login(client: AsyncClient, who: Login) -> dict[str, str]:
    r = await client.post("/api/v1/auth/token", data={"username": who.email, "password": who.password})
    assert r.status_code == 200, f"{who.email}: {r.text}"
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def listed(client: AsyncClient, h: dict[str, str], path: str, field_name: str) -> set[str]:
    """The ids a list endpoint shows; a refusal (403) shows nothing."""
    r = await client.get(f"/api/v1/{path}", params={"limit": 500}, headers=h)
    if r.status_code == 403:
        return set()
    assert r.status_code == 200, r.text
    return {item[field_name] for item in r.json()["items"]}


async def check_sight(client: AsyncClient, example: Example, who: Login) -> None:
    h = await login(client, who)
    assert await listed(client, h, "organisations", "key") == who.reach, who.email
    assert await listed(client, h, "users", "email") == who.users, who.email
    for family in FAMILIES:
        assert await listed(client, h, family, ID_FIELD[family]) == example.expected(who, family), (
            f"{who.email} {family}"
        )


async def check_changes(client: AsyncClient, example: Example, who: Login) -> None:
    h = await login(client, who)
    for org in sorted(example.orgs):
        r = await client.patch(f"/api/v1/organisations/{org}", json={"name": f"Renamed {org}"}, headers=h)
        want = 200 if org in who.admin_of else 403 if org in who.reach else 404
        assert r.status_code == want, f"{who.email} renaming {org}: {r.status_code} {r.text}"
    await check_granting(client, example, who, h)


async def check_granting(client: AsyncClient, example: Example, who: Login, h: dict[str, str]) -> None:
    """Creating a login with a role: inside the organisations it administers, nowhere else."""
    for org in sorted(example.orgs):
        body = {
            "email": f"new.{who.email.split('@')[0]}.{org}@example.org",
            "name": "New Login",
            "password": "new-login-password",
            "roles": [{"org": org, "role": "driver"}],
        }
        r = await client.post("/api/v1/users", json=body, headers=h)
        want = 201 if org in who.admin_of else 403 if org in who.reach else 404
        assert r.status_code == want, f"{who.email} granting on {org}: {r.status_code} {r.text}"


@pytest.mark.parametrize("example", [CASE_A, CASE_B], ids=["case-a", "case-b"])
async def test_example_logins_see_exactly_their_part(
    client: AsyncClient, runtime: Runtime, settings: Settings, example: Example
) -> None:
    await import_example(example)
    for who in example.logins:
        await check_sight(client, example, who)
    for who in example.logins:  # after all the looking: these create logins
        await check_changes(client, example, who)


async def test_case_b_country_managers_see_their_country_only(
    client: AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    """The brief's case B in plain words, independent of the tables above."""
    await import_example(CASE_B)
    facilities_de = await login(client, CASE_B.logins[2])
    locations = await listed(client, facilities_de, "locations", "key")
    assert {"home-str-101", "home-dig-201", "office-frankfurt", "office-munich"} == locations
    r = await client.get("/api/v1/locations/home-str-101", headers=facilities_de)
    assert r.status_code == 200 and r.json()["home"] == {"employee": "str-101"}
    assert (await client.get("/api/v1/locations/home-con-301", headers=facilities_de)).status_code == 404
    fleet_nl = await login(client, CASE_B.logins[5])
    cards = await listed(client, fleet_nl, "tokens", "uid")
    assert cards == {"04B6F2D3C4E531", "04B6F2D3C4E532", "04B6F2D3C4E541", "04B6F2D3C4E5F1"}
    assert (await client.get("/api/v1/tokens/04A5E1C2B3D411", headers=fleet_nl)).status_code == 404
    strategy = await login(client, CASE_B.logins[6])
    assert await listed(client, strategy, "organisations", "key") == {"meridian-strategy-de"}
    assert await listed(client, strategy, "locations", "key") == {"office-munich", "home-str-101"}


@pytest.mark.parametrize("file", ["case-a-logistics.yaml", "case-b-consultancy.yaml", "demo-depot.yaml"])
async def test_examples_import_twice(runtime: Runtime, settings: Settings, file: str) -> None:
    first = await cli("import", str(EXAMPLES / file))
    assert first.exit_code == 0, first.output
    again = await cli("import", str(EXAMPLES / file))
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"imported {file}: nothing changed")


async def test_demo_depot_logins(client: AsyncClient, runtime: Runtime, settings: Settings) -> None:
    """The logins listed at the top of examples/demo-depot.yaml (and used by the README walkthrough)."""
    result = await cli("import", str(EXAMPLES / "demo-depot.yaml"))
    assert result.exit_code == 0, result.output
    fleet = await login(client, Login("fleet@nordlog.example", "demo-fleet-2026", _s()))
    assert await listed(client, fleet, "organisations", "key") == {"nordlog", "nordlog-fleet"}
    assert await listed(client, fleet, "tokens?org=nordlog", "uid") == {"04A0B1C2D3E4F5", "04A0B1C2D3E4F6"}
    depot = await login(client, Login("depot@nordlog.example", "demo-depot-2026", _s()))
    assert await listed(client, depot, "stations", "id") == {"DEPOT-01", "DEPOT-02"}
    driver = await login(client, Login("driver@nordlog.example", "demo-driver-2026", _s()))
    assert await listed(client, driver, "tokens", "uid") == {"04A0B1C2D3E4F5"}
    partner = await login(client, Login("dispo@swift.example", "demo-swift-2026", _s()))
    assert await listed(client, partner, "organisations", "key") == {"swift-transport"}
    assert await listed(client, partner, "tokens", "uid") == {"5A1F7001", "5A1F7002"}
    assert await listed(client, partner, "stations", "id") == set()
    admin = await login(client, Login("admin@demo.example", "demo-admin-2026", _s()))
    assert len(await listed(client, admin, "users", "email")) == 5
