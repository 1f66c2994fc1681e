"""Remote commands end to end: an operator posts a command over HTTP to the served app, the gateway
sends it over the real websocket to a connected 1.6 station, and its answer comes back in the
HTTP response; a station without a connection answers 409, a silent one 504."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from ocpp.v16 import call
from sqlalchemy import select

from depotshare.domain.orgs.roles import Role
from depotshare.store.common.models import AuditEntry
from tests.ocpp.conftest import STATION_PASSWORD, Served, station16
from tests.support.helpers import login, make_user

OPERATOR = "fac@acme.example"


@pytest.fixture
async def http(served: Served, depot: None) -> AsyncIterator[AsyncClient]:
    """A real HTTP client on the served port, logged in as acme's facility manager."""
    await make_user(served.runtime, OPERATOR, (Role.FACILITY_MANAGER, "acme"))
    async with AsyncClient(base_url=served.url.replace("ws://", "http://"), timeout=30) as client:
        client.headers.update(await login(client, OPERATOR))
        yield client


def _url(station: str, name: str) -> str:
    return f"/api/v1/stations/{station}/commands/{name}"


async def test_command_answered_by_a_connected_station(served: Served, http: AsyncClient) -> None:
    async with station16(served, "HH-01", password=STATION_PASSWORD) as cp:
        await cp.call(call.BootNotification(charge_point_model="Terra", charge_point_vendor="ABB"))
        r = await http.post(_url("HH-01", "get-configuration"), json={"keys": ["HeartbeatInterval", "Nope"]})
        assert r.status_code == 200, r.text
        assert r.json() == {
            "action": "GetConfiguration",
            "status": None,
            "payload": {
                "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
                "unknownKey": ["Nope"],
            },
        }
        cp.answers["Reset"] = "Rejected"
        r = await http.post(_url("HH-01", "reset"), json={"kind": "hard"})
        assert r.status_code == 200, r.text
        assert (r.json()["action"], r.json()["status"]) == ("Reset", "Rejected")
        assert cp.received == [
            ("GetConfiguration", {"key": ["HeartbeatInterval", "Nope"]}),
            ("Reset", {"type": "Hard"}),
        ]

        # HH-02 exists but holds no connection.
        r = await http.post(_url("HH-02", "reset"), json={})
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title"] == "Station Offline"

        r = await http.post(_url("HH-01", "trigger-message"), json={"message": "TransactionEvent"})
        assert r.status_code == 422, r.text  # not a 1.6 trigger: refused before sending
        cp.silent = True
        r = await http.post(_url("HH-01", "clear-cache"), params={"timeout_s": 1})
        assert r.status_code == 504, r.text
        assert r.json()["title"] == "Station Timeout"

    async with served.runtime.uow() as uow:
        entries = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "command").order_by(AuditEntry.id)
        )
        seen = [(e.entity_id, e.actor, (e.after or {})["outcome"]) for e in entries]
    assert seen == [
        ("HH-01", OPERATOR, "answered"),
        ("HH-01", OPERATOR, "answered"),
        ("HH-02", OPERATOR, "offline"),
        ("HH-01", OPERATOR, "refused"),
        ("HH-01", OPERATOR, "timeout"),
    ]
