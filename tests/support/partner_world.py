"""A host depot shared with two partners, built through the real API and services: the depot
owner `host` (internal fleet in `host-fleet`) opens Depot Hamburg to `partner-a` (with a
sub-organisation `partner-a-sub`) and to `partner-b`; partner B also runs a yard of its own.
Decisions are made through the real authorisation path, sessions inserted as stations would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from depotshare.domain.orgs.roles import Role
from depotshare.services.access import authorization
from depotshare.services.runtime import Runtime
from depotshare.store.access.models import Tariff
from depotshare.store.orgs.models import Organisation
from depotshare.store.sites.models import ChargingStation
from tests.support.charging_rows import add_session
from tests.support.helpers import login, make_tree, make_user

API = "/api/v1"
TREE = {
    "host": None,
    "host-fleet": "host",
    "partner-a": None,
    "partner-a-sub": "partner-a",
    "partner-b": None,
}
LOGINS = {
    "ops": (Role.PLATFORM_ADMIN, None),
    "host-admin": (Role.ORG_ADMIN, "host"),
    "host-fm": (Role.FACILITY_MANAGER, "host"),
    "host-fleet": (Role.FLEET_MANAGER, "host"),
    "a-admin": (Role.ORG_ADMIN, "partner-a"),
    "a-fleet": (Role.FLEET_MANAGER, "partner-a"),
    "a-sub-admin": (Role.ORG_ADMIN, "partner-a-sub"),
    "a-driver": (Role.DRIVER, "partner-a"),
    "b-admin": (Role.ORG_ADMIN, "partner-b"),
}
# Tuesday 2026-03-10 02:10 in Hamburg (CET): inside partner A's Monday 20:00-06:00 window.
TUESDAY_0210 = datetime(2026, 3, 10, 1, 10, tzinfo=UTC)
# Sunday 2026-03-08 02:10 in Hamburg: partner A's grant has no Saturday night.
SUNDAY_0210 = datetime(2026, 3, 8, 1, 10, tzinfo=UTC)

# What each side owns, by family: (collection, item key) pairs.
OWNED: dict[str, dict[str, list[str]]] = {
    "host": {
        "tokens": ["C0FFEE01"],
        "employees": ["emp-host"],
        "vehicles": ["veh-host"],
        "locations": ["depot-hamburg"],
        "stations": ["HH-01", "HH-02"],
    },
    "a": {"tokens": ["A0000001", "A0000002"], "employees": ["emp-a"], "vehicles": ["veh-a"]},
    "b": {
        "tokens": ["B0000001"],
        "employees": ["emp-b"],
        "vehicles": ["veh-b"],
        "locations": ["b-yard"],
        "stations": ["B-01"],
    },
}


def email(name: str) -> str:
    return f"{name}@example.com"


@dataclass
class World:
    client: AsyncClient
    runtime: Runtime
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)  # label -> session id
    cost_centres: dict[str, int] = field(default_factory=dict)  # side -> id
    users: dict[str, int] = field(default_factory=dict)  # login name -> user id

    async def post(self, path: str, body: dict[str, Any], who: str = "ops") -> dict[str, Any]:
        r = await self.client.post(f"{API}/{path}", json=body, headers=self.headers[who])
        assert r.status_code == 201, (path, r.text)
        result: dict[str, Any] = r.json()
        return result

    async def get(self, path: str, who: str, **params: Any) -> Any:
        return await self.client.get(f"{API}/{path}", params=params, headers=self.headers[who])


async def _station_pk(runtime: Runtime, ocpp_id: str) -> int:
    async with runtime.uow() as uow:
        pk = await uow.session.scalar(select(ChargingStation.id).where(ChargingStation.ocpp_id == ocpp_id))
    assert pk is not None
    return int(pk)


async def decide(runtime: Runtime, station: str, id_token: str, at: datetime, evse: int | None = 1) -> str:
    """One decision through the real authorisation path (appended to the location's log)."""
    pk = await _station_pk(runtime, station)
    async with runtime.uow() as uow:
        decision = await authorization.authorize_request(uow, pk, id_token, evse, at)
    return decision.status.value


async def add_tariff(runtime: Runtime, key: str, owner: str | None) -> None:
    async with runtime.uow() as uow:
        org_id = (
            await uow.session.scalar(select(Organisation.id).where(Organisation.key == owner))
            if owner
            else None
        )
        uow.session.add(
            Tariff(
                key=key,
                org_id=org_id,
                currency="EUR",
                elements=[{"price_components": [{"type": "ENERGY", "price": "0.30", "step_size": 1}]}],
            )
        )
        await uow.commit()


async def build(client: AsyncClient, runtime: Runtime, decisions: bool = True) -> World:
    world = World(client, runtime)
    await make_tree(runtime, TREE)
    for name, role in LOGINS.items():
        world.users[name] = await make_user(runtime, email(name), role)
        world.headers[name] = await login(client, email(name))
    for side, org in (("host", "host-fleet"), ("a", "partner-a"), ("b", "partner-b")):
        cc = await world.post("cost-centres", {"org": org, "code": f"CC-{side.upper()}", "name": side})
        world.cost_centres[side] = cc["id"]
        await world.post("employees", {"key": f"emp-{side}", "org": org, "name": f"Driver {side}"})
        await world.post("vehicles", {"key": f"veh-{side}", "org": org, "plate": f"HH-{side.upper()}-1"})
    await world.post(
        "employees", {"key": "emp-a-me", "org": "partner-a", "name": "A's driver", "user": email("a-driver")}
    )
    evse = [{"id": 1, "connectors": [{"id": 1, "standard": "IEC_62196_T2_COMBO", "max_kw": 150}]}]
    await world.post(
        "locations",
        {"key": "depot-hamburg", "org": "host", "name": "Depot Hamburg", "timezone": "Europe/Berlin"},
    )
    await world.post("locations", {"key": "b-yard", "org": "partner-b", "name": "B Yard", "timezone": "UTC"})
    for station, location in (("HH-01", "depot-hamburg"), ("HH-02", "depot-hamburg"), ("B-01", "b-yard")):
        await world.post("stations", {"id": station, "location": location, "evses": evse})
    for uid, org, extra in (
        ("C0FFEE01", "host-fleet", {"employee": "emp-host", "vehicle": "veh-host", "cost_centre": "CC-HOST"}),
        ("A0000001", "partner-a", {"employee": "emp-a-me", "vehicle": "veh-a", "cost_centre": "CC-A"}),
        ("A0000002", "partner-a-sub", {"group": "A-POOL"}),
        ("B0000001", "partner-b", {"employee": "emp-b", "vehicle": "veh-b", "cost_centre": "CC-B"}),
    ):
        await world.post("tokens", {"uid": uid, "org": org, **extra})
    await add_tariff(runtime, "host-night", "host")
    await world.post(
        "partnerships",
        {
            "key": "host-a",
            "host": "host",
            "partner": "partner-a",
            "tariff": "host-night",
            "revenue_share": [{"party": "host", "percent": 70}, {"party": "operator", "percent": 30}],
        },
        who="host-admin",
    )
    await world.post(
        "partnerships", {"key": "host-b", "host": "host", "partner": "partner-b"}, who="host-admin"
    )
    await world.post(
        "partnerships/host-a/grants",
        {
            "key": "a-nights",
            "locations": ["depot-hamburg"],
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "hours": "20:00-06:00",
        },
        who="host-admin",
    )
    await world.post(
        "partnerships/host-b/grants",
        {"key": "b-hh02", "stations": ["HH-02"], "max_concurrent": 2},
        who="host-fm",
    )
    if decisions:
        await decide(runtime, "HH-01", "A0000001", TUESDAY_0210)
        await decide(runtime, "HH-01", "A0000001", SUNDAY_0210)
        await decide(runtime, "HH-01", "B0000001", TUESDAY_0210)
        await decide(runtime, "HH-02", "B0000001", TUESDAY_0210)
        await decide(runtime, "HH-01", "C0FFEE01", TUESDAY_0210)
        await decide(runtime, "HH-01", "DEADBEEF", TUESDAY_0210)
        await decide(runtime, "B-01", "B0000001", TUESDAY_0210)
    world.sessions = {
        "a": await add_session(
            runtime,
            station="HH-01",
            owner_org="host",
            token_org="partner-a",
            token="A0000001",
            employee="emp-a-me",
            vehicle="veh-a",
        ),
        "b": await add_session(
            runtime, station="HH-02", owner_org="host", token_org="partner-b", token="B0000001"
        ),
        "host": await add_session(
            runtime, station="HH-01", owner_org="host", token_org="host-fleet", token="C0FFEE01"
        ),
        "b-yard": await add_session(
            runtime, station="B-01", owner_org="partner-b", token_org="partner-b", token="B0000001"
        ),
    }
    return world
