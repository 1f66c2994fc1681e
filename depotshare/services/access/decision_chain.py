"""Checking the decision log's tamper evidence: every location's chain, piece by piece, against
the head recorded with the last append (domain/access/decision_chain.py has the chain itself)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from depotshare.config import Settings
from depotshare.domain.access.decision_chain import GENESIS, verify
from depotshare.domain.common.errors import InvalidInput
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.runtime import Runtime
from depotshare.services.sites.locations import find_location, location_keys
from depotshare.store.access.decisions import Decisions

PAGE = 10_000  # entries held in memory at once, whatever the log's length


@dataclass(frozen=True)
class ChainReport:
    location_id: int
    location_key: str | None  # None: the location itself was deleted, its log remains
    entries: int
    broken_at: int | None  # the row id of the first entry that breaks the chain
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.problem is None


async def verify_logs(uow: UnitOfWork, location_key: str | None = None) -> AsyncIterator[ChainReport]:
    """One report per location with a log (or only `location_key`'s), each as soon as its log is
    checked; a log is read in pages of PAGE entries, so memory stays flat whatever its length."""
    log = uow.repo(Decisions)
    if location_key is not None:
        location = await find_location(uow, location_key)
        if location is None:
            raise InvalidInput("location", f"no location with key {location_key!r}")
        ids = [location.id]
    else:
        ids = await log.logged_locations()
    heads = await log.heads()
    keys = await location_keys(uow, ids)
    for location_id in ids:
        key = keys[location_id][0] if location_id in keys else None
        yield await _verify_location(uow, location_id, key, heads.get(location_id))


async def _verify_location(
    uow: UnitOfWork, location_id: int, key: str | None, head: tuple[str, int] | None
) -> ChainReport:
    after_id, prev, count = 0, GENESIS, 0
    while True:
        page = await uow.repo(Decisions).log_page(location_id, after_id, PAGE)
        if not page:
            break
        broken = verify([entry for _, entry in page], after=prev)
        if broken is not None:
            row_id = page[broken][0]
            problem = f"entry {row_id} does not follow the entry before it (changed, removed or inserted)"
            return ChainReport(location_id, key, count + broken, row_id, problem)
        after_id, prev, count = page[-1][0], page[-1][1].hash, count + len(page)
    if head is None:
        missing = None if count == 0 else "the log has no recorded head"
        return ChainReport(location_id, key, count, None, missing)
    head_hash, head_count = head
    if head_hash != prev or head_count != count:
        cut = (
            f"entries missing at the end: the head records {head_count} entries ending in "
            f"{head_hash[:12]}…, the log has {count}"
        )
        return ChainReport(location_id, key, count, None, cut)
    return ChainReport(location_id, key, count, None, None)


async def run_verify(
    settings: Settings, location_key: str | None, on_report: Callable[[ChainReport], None]
) -> list[ChainReport]:
    """The CLI use case: check and report (each location as it is done), writing nothing."""
    runtime = Runtime(settings)
    reports = []
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            async for report in verify_logs(uow, location_key):
                on_report(report)
                reports.append(report)
    finally:
        await runtime.close()
    return reports
