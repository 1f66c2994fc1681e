"""The decision log as written by the real authorisation path: chained per location, concurrent
appends kept in one chain, and `depotshare access verify` finding changed, removed and cut entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from click.testing import Result
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from depotshare.cli import app
from depotshare.domain.access.decision_chain import verify
from depotshare.services.access import authorization
from depotshare.services.runtime import Runtime
from depotshare.store.access.decisions import as_entry
from depotshare.store.access.models import AccessDecision
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.test_access_scenarios import OTHER, SWIFT, setup
from tests.support.charging_rows import access_decisions

T0 = datetime(2026, 11, 17, 21, 0, tzinfo=UTC)


async def cli(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


async def station_pk(runtime: Runtime, ocpp_id: str) -> int:
    async with runtime.uow() as uow:
        pk = await uow.session.scalar(select(ChargingStation.id).where(ChargingStation.ocpp_id == ocpp_id))
        assert pk is not None
        return pk


async def decide(runtime: Runtime, station: int, token: str, at: datetime) -> str:
    async with runtime.uow() as uow:
        return (await authorization.authorize_request(uow, station, token, None, at)).status.value


async def logged_world(runtime: Runtime) -> None:
    await setup(runtime)
    hamburg, bremen = await station_pk(runtime, "HH-01"), await station_pk(runtime, "HB-01")
    for i, (station, token) in enumerate(
        [(hamburg, SWIFT), (hamburg, OTHER), (bremen, SWIFT), (hamburg, SWIFT)]
    ):
        await decide(runtime, station, token, T0 + timedelta(minutes=i))


async def test_each_location_has_its_own_intact_chain(runtime: Runtime) -> None:
    await logged_world(runtime)
    log = await access_decisions(runtime)
    assert [d.decision for d in log] == ["Accepted", "NotAtThisLocation", "NotAtThisLocation", "Accepted"]
    by_location: dict[int, list[AccessDecision]] = {}
    for d in log:
        by_location.setdefault(d.location_id, []).append(d)
    assert sorted(len(v) for v in by_location.values()) == [1, 3]
    for rows in by_location.values():
        assert verify([as_entry(r) for r in rows], head=rows[-1].hash) is None
    result = await cli("access", "verify")
    assert result.exit_code == 0, result.output
    assert "ok       depot-hamburg: 3 entries, chain and head intact" in result.output
    assert "2 location(s) checked, 0 broken" in result.output


async def test_verify_finds_a_changed_entry(runtime: Runtime) -> None:
    await logged_world(runtime)
    async with runtime.uow() as uow:
        second = (await uow.session.scalars(select(AccessDecision).order_by(AccessDecision.id))).all()[1]
        await uow.session.execute(
            update(AccessDecision).where(AccessDecision.id == second.id).values(decision="Accepted")
        )
        await uow.commit()
        forged = second.id
    result = await cli("access", "verify")
    assert result.exit_code == 1, result.output
    assert f"BROKEN   depot-hamburg: entry {forged} does not follow" in result.output
    assert "ok       depot-bremen" in result.output


async def test_verify_finds_removed_and_cut_entries(runtime: Runtime) -> None:
    await logged_world(runtime)
    async with runtime.uow() as uow:
        last = await uow.session.scalar(select(func.max(AccessDecision.id)))
        await uow.session.execute(delete(AccessDecision).where(AccessDecision.id == last))
        await uow.commit()
    result = await cli("access", "verify", "--location", "depot-hamburg")
    assert result.exit_code == 1
    assert "entries missing at the end: the head records 3 entries" in result.output
    async with runtime.uow() as uow:  # now one from the middle of what is left
        first = await uow.session.scalar(select(func.min(AccessDecision.id)))
        await uow.session.execute(delete(AccessDecision).where(AccessDecision.id == first))
        await uow.commit()
    result = await cli("access", "verify", "--location", "depot-hamburg")
    assert "does not follow the entry before it" in result.output and result.exit_code == 1


async def test_verify_names_an_unknown_location(runtime: Runtime) -> None:
    result = await cli("access", "verify", "--location", "nowhere")
    assert result.exit_code == 2
    assert "location: no location with key 'nowhere'" in result.output


async def test_concurrent_decisions_at_one_location_form_one_chain(runtime: Runtime) -> None:
    await setup(runtime)
    hamburg = await station_pk(runtime, "HH-01")
    answers = await asyncio.gather(
        *(decide(runtime, hamburg, SWIFT, T0 + timedelta(seconds=i)) for i in range(12))
    )
    assert answers == ["Accepted"] * 12
    rows = await access_decisions(runtime)
    assert len(rows) == 12
    assert verify([as_entry(r) for r in rows], head=rows[-1].hash) is None
    result = await cli("access", "verify")
    assert "depot-hamburg: 12 entries, chain and head intact" in result.output
