"""Test fixtures on real parts: a migrated SQLite or PostgreSQL database (chosen by
DEPOTSHARE_TEST_DATABASE), the real FastAPI app over ASGI, and a clean database per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

# Cheap argon2 in tests: the cost is a setting, the algorithm is the same.
os.environ.setdefault("DEPOTSHARE_ARGON2_TIME_COST", "1")
os.environ.setdefault("DEPOTSHARE_ARGON2_MEMORY_KIB", "64")
os.environ.setdefault("DEPOTSHARE_SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256")

from depotshare.api.app import create_app
from depotshare.config import Settings, get_settings
from depotshare.services.runtime import Runtime
from depotshare.store.models import Base

BACKEND = os.environ.get("DEPOTSHARE_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("DEPOTSHARE_TEST_PG_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test")


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}" + (f" ({PG_URL})" if BACKEND == "postgresql" else "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if BACKEND == "postgresql":
        return PG_URL
    if BACKEND != "sqlite":
        raise pytest.UsageError(f"DEPOTSHARE_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    os.environ["DEPOTSHARE_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(settings)
    if BACKEND == "postgresql":
        async with rt.engine.begin() as conn:  # start from an empty schema every run
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await rt.migrate()
    yield rt
    await rt.close()


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "runtime" not in request.fixturenames:
        return
    rt: Runtime = request.getfixturevalue("runtime")
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with rt.engine.begin() as conn:
        if BACKEND == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
async def client(runtime: Runtime, settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings, runtime=runtime)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as c:
        yield c


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
