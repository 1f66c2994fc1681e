"""The import and the API write partnerships and grants through the same access write path
(fast service tests, no app, no HTTP): the same audit snapshot for the same thing, and the same
events, so the local lists of its places are marked the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from depotshare.domain.access.grant_terms import GrantIn
from depotshare.domain.access.partnerships import PartnershipIn
from depotshare.domain.common.actor import Actor
from depotshare.domain.setup import read_text
from depotshare.services.access import grants, internal_grants, partnerships
from depotshare.services.access.grant_shapes import GrantSpec
from depotshare.services.access.internal_grants import InternalGrantSpec
from depotshare.services.runtime import Runtime
from depotshare.services.setup.importer import import_document
from depotshare.store.common.models import AuditEntry
from tests.services.setup.test_import_partnerships import DEPOT
from tests.support.helpers import SYSTEM

SET_UP = (
    """\
organisations:
  - {key: host, name: Host AG, children: [{key: night-shift, name: Night shift}]}
  - {key: partner, name: Partner GmbH}
  - {key: other, name: Other GmbH}
locations:
"""
    + DEPOT
)
IMPORTED = """\
partnerships:
  - host: host
    partner: partner
    status: active
    valid_from: 2026-01-01
    grants:
      - {key: nights, stations: [D-1], days: [mon, tue], hours: "20:00-06:00", priority: 2, max_concurrent: 1}
internal_grants:
  - {host: host, subject: night-shift, key: nights, locations: [depot], hours: "22:00-06:00"}
"""
IMPORTER = Actor.system("import one.yaml")


async def _audit(runtime: Runtime, entity: str, actor: Actor) -> list[dict[str, Any]]:
    async with runtime.uow() as uow:
        rows = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.actor == actor.label)
        )
        return [entry.after for entry in rows]


async def test_the_import_and_the_api_audit_a_partnership_and_its_grants_alike(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await import_document(uow, read_text(SET_UP), SYSTEM, "set-up.yaml")
    async with runtime.uow() as uow:
        await import_document(uow, read_text(IMPORTED), IMPORTER, "one.yaml")
    # The same through the API, for the other partner and under other keys.
    entry = PartnershipIn(host="host", partner="other", valid_from="2026-01-01")
    async with runtime.uow() as uow:
        await partnerships.create_partnership(uow, SYSTEM, entry)
    grant = GrantIn(
        key="nights", stations=["D-1"], days=["mon", "tue"], hours="20:00-06:00", priority=2, max_concurrent=1
    )
    async with runtime.uow() as uow:
        await grants.create_grant(uow, SYSTEM, "host:other", GrantSpec(grant))
    internal = GrantIn(key="late", locations=["depot"], hours="22:00-06:00")
    async with runtime.uow() as uow:
        spec = InternalGrantSpec("host", GrantSpec(internal, "night-shift"))
        await internal_grants.create_internal_grant(uow, SYSTEM, spec)

    (imported,) = await _audit(runtime, "partnership", IMPORTER)
    (made,) = await _audit(runtime, "partnership", SYSTEM)
    assert imported == {**made, "partner": "partner"}
    (imported,) = await _audit(runtime, "grant", IMPORTER)
    (made,) = await _audit(runtime, "grant", SYSTEM)
    assert imported == {**made, "partnership": "host:partner"}
    assert imported["windows"] == [{"days": ["mon", "tue"], "hours": "20:00-06:00"}]
    (imported,) = await _audit(runtime, "internal_grant", IMPORTER)
    (made,) = await _audit(runtime, "internal_grant", SYSTEM)
    assert imported == {**made, "key": "nights"}
    assert (imported["host"], imported["subject"], imported["locations"]) == (
        "host",
        "night-shift",
        ["depot"],
    )
