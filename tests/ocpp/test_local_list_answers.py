"""Stations' answers to the local list queries, read in the gateway into the domain's typed results
(StationCommands.ask): what each protocol version answers becomes ListVersion, ListUpdate and
ListLimits; an answer that breaks the protocol is an InvalidAnswer, logged, and the sync that met it
ends in a clear error. The station here speaks raw OCPP-J, so it can answer what the library would
never let it send."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from depotshare.domain.access.local_list import ListLimits, ListUpdate, ListUpdateStatus, ListVersion
from depotshare.domain.charging import commands as cmd
from depotshare.domain.charging.commands import InvalidAnswer
from depotshare.domain.common.errors import StationError
from depotshare.services.access import local_list_reports, local_list_sync
from depotshare.services.common.ports import StationCommands
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import Served, raw_socket
from tests.support.charging_rows import access_decisions
from tests.support.helpers import SYSTEM


class Scripted:
    """A station that answers each CALL with the payload scripted for its action (camelCase, as on
    the wire) and records what it was asked."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.asked: list[tuple[str, dict[str, Any]]] = []

    async def serve(self, ws: Any) -> None:
        async for raw in ws:
            kind, unique_id, *rest = json.loads(raw)
            if kind == 2:
                action, payload = rest
                self.asked.append((action, payload))
                await ws.send(json.dumps([3, unique_id, self.answers[action]]))


@asynccontextmanager
async def scripted(served: Served, protocol: str) -> AsyncIterator[Scripted]:
    async with raw_socket(served, "HH-02", subprotocols=[protocol]) as ws:
        station = Scripted()
        loop = asyncio.create_task(station.serve(ws))
        try:
            yield station
        finally:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)


def _port(served: Served) -> StationCommands:
    assert served.runtime.station_commands is not None
    return served.runtime.station_commands


async def _ask(served: Served, query: cmd.Query[Any]) -> Any:
    return await _port(served).ask("HH-02", query, timeout=5)


UPDATES_16 = [
    ("Accepted", ListUpdateStatus.ACCEPTED),
    ("Failed", ListUpdateStatus.FAILED),
    ("VersionMismatch", ListUpdateStatus.VERSION_MISMATCH),
    ("NotSupported", ListUpdateStatus.NOT_SUPPORTED),
]


@pytest.mark.usefixtures("depot")
async def test_16_answers_become_typed_results(served: Served) -> None:
    async with scripted(served, "ocpp1.6") as station:
        station.answers["GetLocalListVersion"] = {"listVersion": 7}
        assert await _ask(served, cmd.GetLocalListVersion()) == ListVersion(7)
        station.answers["GetLocalListVersion"] = {"listVersion": -1}  # 1.6: no local list support
        assert await _ask(served, cmd.GetLocalListVersion()) == ListVersion(None)
        for said, status in UPDATES_16:
            station.answers["SendLocalList"] = {"status": said}
            assert await _ask(served, cmd.SendLocalList(8, True)) == ListUpdate(status)
        station.answers["GetConfiguration"] = {
            "configurationKey": [
                {"key": "LocalAuthListEnabled", "readonly": True, "value": "True"},
                {"key": "LocalAuthListMaxLength", "readonly": True, "value": " 500 "},
                {"key": "SendLocalListMaxLength", "readonly": True, "value": "many"},
            ]
        }
        assert await _ask(served, cmd.GetLocalListLimits()) == ListLimits(True, 500, None, None)
    keys = ["LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength"]
    assert station.asked[-1] == ("GetConfiguration", {"key": keys})


@pytest.mark.usefixtures("depot")
async def test_201_answers_become_typed_results(served: Served) -> None:
    async with scripted(served, "ocpp2.0.1") as station:
        station.answers["GetLocalListVersion"] = {"versionNumber": 3}
        assert await _ask(served, cmd.GetLocalListVersion()) == ListVersion(3)
        station.answers["SendLocalList"] = {
            "status": "Failed",
            "statusInfo": {"reasonCode": "ListFull", "additionalInfo": "at most 100"},
        }
        update = await _ask(served, cmd.SendLocalList(4, False))
        assert update == ListUpdate(ListUpdateStatus.FAILED, "ListFull: at most 100")
        station.answers["SendLocalList"] = {"status": "VersionMismatch"}
        assert await _ask(served, cmd.SendLocalList(4, False)) == ListUpdate(
            ListUpdateStatus.VERSION_MISMATCH
        )

        def result(
            name: str, value: str, status: str = "Accepted", component: str = "LocalAuthListCtrlr"
        ) -> Any:
            return {
                "attributeStatus": status,
                "component": {"name": component},
                "variable": {"name": name},
                "attributeValue": value,
            }

        station.answers["GetVariables"] = {
            "getVariableResult": [
                result("Enabled", "true"),
                result("Entries", "100"),
                result("ItemsPerMessage", "10", status="Rejected"),  # not said
                result("BytesPerMessage", "4000", component="OCPPCommCtrlr"),  # another component's
            ]
        }
        assert await _ask(served, cmd.GetLocalListLimits()) == ListLimits(True, 100, None, None)
    action, asked = station.asked[-1]
    assert action == "GetVariables"
    assert asked["getVariableData"] == [
        {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "Enabled"}},
        {
            "component": {"name": "LocalAuthListCtrlr"},
            "variable": {"name": "Entries"},
            "attributeType": "MaxSet",
        },
        {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "ItemsPerMessage"}},
        {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "BytesPerMessage"}},
    ]


INVALID = [
    ("ocpp1.6", {"status": "Bogus"}, "'Bogus' is not one of"),
    ("ocpp1.6", {"status": "accepted"}, "'accepted' is not one of"),
    ("ocpp1.6", {}, "'status' is a required property"),
    ("ocpp1.6", {"status": "Accepted", "listVersion": 3}, "'listVersion' was unexpected"),
    ("ocpp2.0.1", {"status": "NotSupported"}, "'NotSupported' is not one of"),  # 1.6 only
    ("ocpp2.0.1", {"status": 1}, "1 is not of type 'string'"),
]


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize(("protocol", "answer", "problem"), INVALID)
async def test_an_answer_that_breaks_the_protocol_is_a_logged_invalid_answer(
    served: Served, caplog: pytest.LogCaptureFixture, protocol: str, answer: dict[str, Any], problem: str
) -> None:
    caplog.set_level(logging.WARNING, logger="depotshare.ocpp")
    async with scripted(served, protocol) as station:
        station.answers["SendLocalList"] = answer
        with pytest.raises(InvalidAnswer) as refused:
            await _ask(served, cmd.SendLocalList(8, True))
        # The operator's raw channel says the same: not "the station answered FormatViolation".
        with pytest.raises(InvalidAnswer):
            await _port(served).send("HH-02", cmd.SendLocalList(8, True), timeout=5)
    e = refused.value
    assert isinstance(e, StationError) and e.code == "InvalidAnswer"
    assert (e.action, problem in e.problem) == ("SendLocalList", True), e.problem
    assert e.detail.startswith("the station's answer to SendLocalList is not valid OCPP: ")
    logged = [
        r.getMessage() for r in caplog.records if r.name == "depotshare.ocpp" and r.levelno == logging.WARNING
    ]
    assert len(logged) == 2 and logged[0].startswith("HH-02: answer to SendLocalList refused: "), logged
    assert problem in logged[0]


async def _station_pk(served: Served, ocpp_id: str) -> int:
    async with served.runtime.uow() as uow:
        pk = await uow.session.scalar(select(ChargingStation.id).where(ChargingStation.ocpp_id == ocpp_id))
    assert pk is not None
    return pk


@pytest.mark.usefixtures("depot")
@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_a_sync_that_meets_an_invalid_answer_ends_in_a_clear_error(
    served: Served, protocol: str
) -> None:
    async with scripted(served, protocol) as station:
        station.answers |= {
            "GetConfiguration": {"configurationKey": []},
            "GetVariables": {"getVariableResult": []},
            "GetLocalListVersion": {"listVersion": 0} if protocol == "ocpp1.6" else {"versionNumber": 0},
            "SendLocalList": {"status": "Bogus"},
        }
        outcome = await local_list_sync.sync_station(
            served.runtime.uow, _port(served), await _station_pk(served, "HH-02"), timeout=5
        )
    assert [a for a, _ in station.asked][-2:] == ["GetLocalListVersion", "SendLocalList"]
    assert outcome.result == "error"
    assert outcome.detail is not None and "SendLocalList" in outcome.detail and "'Bogus'" in outcome.detail
    async with served.runtime.uow() as uow:
        view = await local_list_reports.get_local_list(uow, SYSTEM, "HH-02")
    assert (view.state, view.last_result, view.version, view.entries) == ("out_of_date", "error", None, 0)
    assert view.last_detail is not None and view.last_detail.startswith(
        "the station's answer to SendLocalList is not valid OCPP"
    )
    assert view.next_sync_at is not None and view.last_attempt_at is not None
    assert view.next_sync_at - view.last_attempt_at == local_list_sync.RETRY_AFTER  # tried again soon
    # Nothing was listed: no LocalList entry in the decision log.
    assert [d for d in await access_decisions(served.runtime) if d.source == "LocalList"] == []
