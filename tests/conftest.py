"""Test fixtures on real parts: a migrated SQLite or PostgreSQL database (chosen by
DEPOTSHARE_TEST_DATABASE; one per pytest-xdist worker), the real FastAPI app over ASGI, and a
clean database per test. A test that reaches no database runs in the SQLite pass only: running
it again against PostgreSQL would test nothing new. The input fuzzers (marked `stricter_engine`)
run once: against PostgreSQL, which refuses more input than SQLite, when `make test` runs its pass."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Cheap argon2 in tests: the cost is a setting, the algorithm is the same.
os.environ.setdefault("DEPOTSHARE_ARGON2_TIME_COST", "1")
os.environ.setdefault("DEPOTSHARE_ARGON2_MEMORY_KIB", "64")
os.environ.setdefault("DEPOTSHARE_SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256")

from depotshare.api.app import create_app
from depotshare.config import Settings, get_settings
from depotshare.ocpp.admission import BootGate
from depotshare.services.runtime import Runtime
from tests.support import databases
from tests.support.clock import FakeClock

# No per-example deadline and no "too slow" health check: on a loaded CI machine both fail a
# correct rule now and then. CI draws the same examples every run (derandomize), so a red CI
# is a real failure that reproduces; developers' runs keep exploring new examples.
hypothesis_settings.register_profile(
    "depotshare",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
    print_blob=True,
)
hypothesis_settings.load_profile("depotshare")

BACKEND = os.environ.get("DEPOTSHARE_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("DEPOTSHARE_TEST_PG_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# One id shared by a run's workers (xdist sets it), or this process's own.
RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"{os.getpid():x}")[:8]
# Fixtures through which a test reaches the database of the pass.
DATABASE_FIXTURES = frozenset({"database_url", "settings", "runtime"})


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}" + (f" ({PG_URL})" if BACKEND == "postgresql" else "")


def _runs_in_this_pass(item: pytest.Item) -> bool:
    if BACKEND == "postgresql":
        return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
    # `make test` says when a PostgreSQL pass runs beside this one (DEPOTSHARE_TEST_PG_PASS=1).
    return not (
        item.get_closest_marker("stricter_engine") and os.environ.get("DEPOTSHARE_TEST_PG_PASS") == "1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        (keep if _runs_in_this_pass(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgresql":
        url = databases.worker_database_url(PG_URL, WORKER, RUN)
        yield url
        databases.drop_worker_database(PG_URL, url)
        return
    if BACKEND != "sqlite":
        raise pytest.UsageError(f"DEPOTSHARE_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")
    yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    os.environ["DEPOTSHARE_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(settings)
    if BACKEND == "sqlite":  # PostgreSQL's worker database is a migrated clone already
        await rt.migrate()
    yield rt
    await rt.close()


@pytest.fixture
def clock(runtime: Runtime) -> Iterator[FakeClock]:
    """The runtime's clock, set to a Monday morning and moved by the test; the system clock again after."""
    fake = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    system, runtime.clock = runtime.clock, fake
    yield fake
    runtime.clock = system


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "runtime" not in request.fixturenames:
        return
    rt: Runtime = request.getfixturevalue("runtime")
    await databases.clean(rt.engine, BACKEND)


@pytest.fixture(scope="session")
def app(runtime: Runtime, settings: Settings) -> FastAPI:
    """The real app, built once: building it costs ~0.7 s of CPU (FastAPI analyses every route),
    which per test was most of the suite's time. It holds no state between tests but the OCPP
    gateway's registry of connected stations, which is empty again when a test's stations leave."""
    built = create_app(settings, runtime=runtime)
    built.state.station_commands = runtime.station_commands  # what mounting OCPP registered
    return built


@pytest.fixture
def app_in_use(app: FastAPI, runtime: Runtime, settings: Settings) -> FastAPI:
    """The session's app as a new one would be: the runtime's command channel pointing at its
    gateway again (a test that built an app of its own re-pointed it), a fresh admission gate
    (tests narrow it)."""
    runtime.station_commands = app.state.station_commands
    app.state.ocpp.boot_gate = BootGate(settings.ocpp_boot_slots, settings.ocpp_boot_wait_s)
    return app


@pytest.fixture
async def client(app_in_use: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app_in_use), base_url="http://test") as c:
        yield c
