"""What the charging service tests read back: a session and its samples as the API shows them."""

from __future__ import annotations

from depotshare.services.charging import queries
from depotshare.services.charging.queries import MeterValueView, SessionView
from depotshare.services.runtime import Runtime
from tests.support.helpers import SYSTEM


async def session_view(runtime: Runtime, session_id: int) -> SessionView:
    async with runtime.uow() as uow:
        return await queries.get_session(uow, SYSTEM, session_id)


async def meter_values(runtime: Runtime, session_id: int) -> list[MeterValueView]:
    """The session's samples in time order (one page: these tests store few)."""
    async with runtime.uow() as uow:
        return (await queries.list_meter_values(uow, SYSTEM, session_id)).items
