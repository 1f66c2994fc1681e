"""The migrations produce exactly the models' schema (what `alembic check` verifies)."""

from __future__ import annotations

from depotshare.services.common.migrations import pending_model_changes
from depotshare.services.runtime import Runtime


async def test_models_and_migrations_agree(runtime: Runtime) -> None:
    assert await pending_model_changes(runtime.engine) == []
