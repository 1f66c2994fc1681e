"""The fleet's one write path, tested at the service (no served app, no HTTP): an employee, a
vehicle and a token written by the REST use case and by the import are audited in the same
shape, an imported token states TokenChanged, so its stations' lists are marked as for a REST
write, and a new object is stamped by the use case's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from depotshare.domain.common.events import DomainEvent
from depotshare.domain.fleet.events import TokenChanged
from depotshare.domain.setup import read_text
from depotshare.services.fleet import cost_centres, employees, tokens, vehicles
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer import import_document
from depotshare.store.common.models import AuditEntry
from tests.support.clock import FakeClock
from tests.support.helpers import SYSTEM, make_tree

IMPORT = """\
employees:
  - {key: emp-2, org: north, name: Bea, cost_centre: CC-1}
vehicles:
  - {key: van-2, org: north, plate: HH-2, employee: emp-2}
tokens:
  - {uid: "0B0B0B0B", org: north, employee: emp-2, vehicle: van-2, cost_centre: CC-1, group: G1}
"""


async def _pictures(runtime: Runtime, entity: str) -> dict[str, dict[str, Any]]:
    async with runtime.uow() as uow:
        entries = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.action == "create")
        )
        return {str(a.entity_id): dict(a.after or {}) for a in entries}


async def test_rest_and_import_audit_alike(runtime: Runtime) -> None:
    await make_tree(runtime, {"holding": None, "north": "holding"})
    async with runtime.uow() as uow:
        await cost_centres.create_cost_centre(uow, SYSTEM, org="north", code="CC-1", name="One")
    async with runtime.uow() as uow:
        await employees.create_employee(uow, SYSTEM, key="emp-1", org="north", name="Ann", cost_centre="CC-1")
    async with runtime.uow() as uow:
        await vehicles.create_vehicle(uow, SYSTEM, key="van-1", org="north", plate="HH-1", employee="emp-1")
    async with runtime.uow() as uow:
        await tokens.create_token(
            uow,
            SYSTEM,
            uid="0A0A0A0A",
            org="north",
            employee="emp-1",
            vehicle="van-1",
            cost_centre="CC-1",
            group="G1",
        )
    emitted: list[DomainEvent] = []
    async with runtime.uow() as uow:
        emit = uow.emit

        async def recorded(event: DomainEvent) -> None:
            emitted.append(event)
            await emit(event)

        uow.emit = recorded  # type: ignore[method-assign]
        summary = await import_document(uow, read_text(IMPORT), SYSTEM, "fleet.yaml")
    assert summary.changed
    token_events = [e for e in emitted if isinstance(e, TokenChanged)]
    assert [(e.entity_id, e.action, len(e.org_paths)) for e in token_events] == [("0B0B0B0B", "create", 1)]

    employee = await _pictures(runtime, "employee")
    assert employee["emp-2"] == {**employee["emp-1"], "key": "emp-2", "name": "Bea"}
    vehicle = await _pictures(runtime, "vehicle")
    assert vehicle["van-2"] == {**vehicle["van-1"], "key": "van-2", "plate": "HH-2", "employee": "emp-2"}
    token = await _pictures(runtime, "token")
    rest = {**token["0A0A0A0A"], "uid": "0B0B0B0B", "employee": "emp-2", "vehicle": "van-2"}
    assert token["0B0B0B0B"] == rest
    assert set(token["0B0B0B0B"]) == {
        "uid",
        "org",
        "type",
        "status",
        "valid_from",
        "valid_until",
        "group",
        "label",
        "employee",
        "vehicle",
        "cost_centre",
    }


async def test_a_new_fleet_object_is_stamped_by_the_use_case_clock(
    runtime: Runtime, clock: FakeClock
) -> None:
    await make_tree(runtime, {"north": None})
    async with runtime.uow() as uow:
        cc = await cost_centres.create_cost_centre(uow, SYSTEM, org="north", code="CC-1", name="One")
    clock.advance(hours=1)
    async with runtime.uow() as uow:
        card = await tokens.create_token(uow, SYSTEM, uid="0A0A0A0A", org="north", cost_centre="CC-1")
    assert (cc.created_at, card.created_at) == (datetime(2026, 1, 5, 8, 0, tzinfo=UTC), clock.now())
    async with runtime.uow() as uow:
        assert (await tokens.get_token(uow, SYSTEM, "0A0A0A0A")).created_at == clock.now()
