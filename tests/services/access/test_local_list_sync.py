"""One station's local list sync against a fake StationCommands that answers the sync's queries with
the domain's typed results, as the gateway reads them: the service decides on those alone, with no
protocol payload and no websocket."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from depotshare.domain.access.local_list import ListLimits, ListUpdate, ListUpdateStatus, ListVersion
from depotshare.domain.charging import commands as cmd
from depotshare.services.access import local_list_reports, local_list_sync
from depotshare.services.access.local_list_sync import SyncOutcome
from depotshare.services.fleet import tokens
from depotshare.services.runtime import Runtime
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import CARD, depot  # noqa: F401 - the depot fixture
from tests.support.clock import FakeClock
from tests.support.helpers import SYSTEM

SHORT_LIVED = "5A1F70E1"  # a card valid until Monday 5 January 2026

A = TypeVar("A")


class FakeStation:
    """StationCommands for one connected station: each query answered from `answers` by its type
    (an exception is raised), SendLocalList from `updates` in turn; every query recorded."""

    def __init__(self, **answers: Any) -> None:
        self.answers: dict[type[Any], Any] = {
            cmd.GetLocalListLimits: answers.get("limits", ListLimits()),
            cmd.GetLocalListVersion: answers.get("version", ListVersion(0)),
        }
        self.updates: list[ListUpdate] = list(answers.get("updates", []))
        self.asked: list[Any] = []

    def is_connected(self, station_id: str) -> bool:
        return True

    async def send(self, station_id: str, command: cmd.Command, timeout: float) -> cmd.CommandResult:  # noqa: ASYNC109
        raise AssertionError(f"the sync reads no raw answers, yet sent {command}")

    async def ask(self, station_id: str, query: cmd.Query[A], timeout: float) -> A:  # noqa: ASYNC109
        self.asked.append(query)
        answer = self.updates.pop(0) if isinstance(query, cmd.SendLocalList) else self.answers[type(query)]
        if isinstance(answer, Exception):
            raise answer
        result: A = answer
        return result


async def _sync(runtime: Runtime, station: FakeStation) -> SyncOutcome:
    async with runtime.uow() as uow:
        pk = await uow.session.scalar(select(ChargingStation.id).where(ChargingStation.ocpp_id == "HH-02"))
    assert pk is not None
    return await local_list_sync.sync_station(runtime.uow, station, pk, timeout=1)


def _sent(station: FakeStation) -> list[tuple[int, bool, list[str]]]:
    return [
        (q.version, q.full, [c.id_token for c in q.changes])
        for q in station.asked
        if isinstance(q, cmd.SendLocalList)
    ]


@pytest.mark.usefixtures("depot")
async def test_a_version_mismatch_is_answered_with_the_whole_list_next_time(runtime: Runtime) -> None:
    refused = ListUpdate(ListUpdateStatus.VERSION_MISMATCH, "ListVersionMismatch")
    station = FakeStation(version=ListVersion(3), updates=[refused, ListUpdate(ListUpdateStatus.ACCEPTED)])
    first = await _sync(runtime, station)
    assert (first.result, first.detail) == (
        "version_mismatch",
        "SendLocalList version 4 answered version_mismatch (ListVersionMismatch)",
    )
    async with runtime.uow() as uow:
        view = await local_list_reports.get_local_list(uow, SYSTEM, "HH-02")
    assert (view.full_requested, view.state) == (True, "out_of_date")
    second = await _sync(runtime, station)
    assert (second.result, second.version, second.entries, second.full) == ("ok", 4, 1, True)
    assert _sent(station) == [(4, True, [CARD]), (4, True, [CARD])]


@pytest.mark.usefixtures("depot")
async def test_a_failed_update_keeps_what_the_station_confirmed(runtime: Runtime) -> None:
    station = FakeStation(updates=[ListUpdate(ListUpdateStatus.FAILED)])
    outcome = await _sync(runtime, station)
    assert (outcome.result, outcome.detail, outcome.messages) == (
        "failed",
        "SendLocalList version 1 answered failed",
        0,
    )


@pytest.mark.usefixtures("depot")
async def test_a_station_that_keeps_no_list_is_sent_none(runtime: Runtime) -> None:
    station = FakeStation(version=ListVersion(None))
    outcome = await _sync(runtime, station)
    assert (outcome.result, outcome.detail) == (
        "not_supported",
        "the station reports that it keeps no local list",
    )
    assert _sent(station) == []


@pytest.mark.usefixtures("depot")
async def test_a_disabled_list_is_not_asked_for(runtime: Runtime) -> None:
    station = FakeStation(limits=ListLimits(enabled=False))
    outcome = await _sync(runtime, station)
    assert (outcome.result, station.asked) == ("not_supported", [cmd.GetLocalListLimits()])


@pytest.mark.usefixtures("depot")
async def test_an_invalid_answer_to_the_limits_is_no_reason_not_to_try(runtime: Runtime) -> None:
    station = FakeStation(
        limits=cmd.InvalidAnswer("GetConfiguration", "'x' is not of type 'boolean'"),
        updates=[ListUpdate(ListUpdateStatus.ACCEPTED)],
    )
    outcome = await _sync(runtime, station)
    assert (outcome.result, outcome.entries) == ("ok", 1)
    assert _sent(station) == [(1, True, [CARD])]


@pytest.mark.usefixtures("depot")
async def test_a_listed_card_s_expiry_makes_the_list_due_at_that_instant(
    runtime: Runtime, clock: FakeClock
) -> None:
    """A card valid until Monday is listed until Tuesday 00:00 at the depot (Europe/Berlin): the
    list is in sync until that instant, out of date from it, and the sync then takes the card off."""
    clock.current = datetime(2026, 1, 5, 22, 30, tzinfo=UTC)
    async with runtime.uow() as uow:
        await tokens.create_token(
            uow, SYSTEM, uid=SHORT_LIVED, org="acme-north", valid_until=date(2026, 1, 5)
        )
    first = await _sync(runtime, FakeStation(updates=[ListUpdate(ListUpdateStatus.ACCEPTED)]))
    assert (first.result, first.entries) == ("ok", 2)
    expiry = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # midnight in Hamburg, before the hourly check
    async with runtime.uow() as uow:
        listed = await local_list_reports.list_entries(uow, SYSTEM, "HH-02")
        view = await local_list_reports.get_local_list(uow, SYSTEM, "HH-02")
    assert [e.expires_at for e in listed.items if e.uid == SHORT_LIVED] == [expiry]
    assert (view.state, view.next_sync_at) == ("in_sync", expiry)

    clock.current = expiry - timedelta(seconds=1)
    assert await _state(runtime) == "in_sync"
    clock.current = expiry
    assert await _state(runtime) == "out_of_date"
    station = FakeStation(version=ListVersion(1), updates=[ListUpdate(ListUpdateStatus.ACCEPTED)])
    second = await _sync(runtime, station)
    assert (second.result, second.entries, _sent(station)) == ("ok", 1, [(2, False, [SHORT_LIVED])])
    assert await _state(runtime) == "in_sync"


async def _state(runtime: Runtime) -> str:
    async with runtime.uow() as uow:
        return (await local_list_reports.get_local_list(uow, SYSTEM, "HH-02")).state
