"""One write of an organisation for the API and the import (apply_organisation): a move in the tree,
made either way, is stated as OrganisationChanged with `moved`, the event that makes every local
list due (tests/ocpp/test_local_list_moves.py follows it to the station)."""

from __future__ import annotations

import textwrap

from depotshare.domain.common.events import DomainEvent
from depotshare.domain.orgs.events import OrganisationChanged
from depotshare.domain.setup import read_text
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.orgs import organisations
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer import import_document
from tests.support.helpers import SYSTEM, make_tree

TREE = {"holding": None, "north": "holding", "north-site": "north", "south": "holding"}


def _recording(uow: UnitOfWork) -> list[DomainEvent]:
    """The events the use case states, seen as it emits them (a commit hands them on)."""
    seen: list[DomainEvent] = []
    emit = uow.emit

    async def recorded(event: DomainEvent) -> None:
        seen.append(event)
        await emit(event)

    uow.emit = recorded  # type: ignore[method-assign]
    return seen


def _org_events(seen: list[DomainEvent]) -> list[tuple[str, str | int, bool]]:
    return [(e.action, e.entity_id, e.moved) for e in seen if isinstance(e, OrganisationChanged)]


async def test_a_move_through_the_api_is_stated_as_moved(runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    async with runtime.uow() as uow:
        seen = _recording(uow)
        await organisations.update_organisation(uow, SYSTEM, "north", parent="south")
    async with runtime.uow() as uow:
        seen_rename = _recording(uow)
        await organisations.update_organisation(uow, SYSTEM, "north", name="North GmbH")
    assert _org_events(seen) == [("update", "north", True)]
    assert _org_events(seen_rename) == [("update", "north", False)]


async def test_a_move_by_the_import_is_stated_as_moved(runtime: Runtime) -> None:
    await make_tree(runtime, TREE)
    moved = """\
        organisations:
          - key: holding
            name: Holding
            children:
              - key: south
                name: South
                children: [{key: north, name: North}]
        """
    async with runtime.uow() as uow:
        seen = _recording(uow)
        await import_document(uow, read_text(textwrap.dedent(moved)), SYSTEM)
    assert _org_events(seen) == [("update", "north", True)]
    async with runtime.uow() as uow:
        view = await organisations.get_organisation(uow, SYSTEM, "north-site")
    assert view.depth == 3  # the subtree followed its root
