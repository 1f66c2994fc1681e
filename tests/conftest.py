"""Test fixtures on real parts: a migrated SQLite or PostgreSQL database (chosen by
DEPOTSHARE_TEST_DATABASE; one per pytest-xdist worker), the real FastAPI app over ASGI, and a
clean database per test, or a module's world built once and kept for its tests that only read it
(`module_world`). A test that reaches no database runs in the SQLite pass only: running it again
against PostgreSQL would test nothing new. The input fuzzers (marked `stricter_engine`)
run once: against PostgreSQL, which refuses more input than SQLite, when `make test` runs its pass."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

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


# The hooks below note on each test what the per-test clean needs to know: the test run after it
# (pytest knows it; module-scoped fixtures are torn down by it too) and whether any phase failed.
NEXT_TEST = pytest.StashKey["pytest.Item | None"]()
FAILED = pytest.StashKey[bool]()
T = TypeVar("T")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    item.stash[NEXT_TEST] = nextitem
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


class _Held:
    """The module world the database holds between tests: (module, world name) and its value."""

    key: tuple[str, str] | None = None
    value: Any = None


class ModuleWorld:
    """Hands a test its module's world, built on first use and kept in the database while the next
    tests of the module ask for the same world; the tests that share it only read it (a test that
    writes makes objects of its own, with keys no other test uses, or takes a clean database).
    After a test that failed, or before a test of another module or world, the database is emptied
    as after any test, so the next one starts empty as it would alone."""

    def __init__(self, runtime: Runtime, module: str) -> None:
        self.runtime = runtime
        self.module = module

    async def __call__(self, name: str, build: Callable[[], Awaitable[T]]) -> T:
        key = (self.module, name)
        if _Held.key != key:
            if _Held.key is not None:  # another world of this module
                await _forget_world(self.runtime)
            _Held.value = await build()
            _Held.key = key
        value: T = _Held.value
        return value

    async def own_database(self) -> None:
        """For a test of a sharing module that writes: it starts from an empty database (emptied
        after it too) and builds what it needs itself."""
        await _forget_world(self.runtime)


async def _forget_world(runtime: Runtime) -> None:
    _Held.key = _Held.value = None
    await databases.clean(runtime.engine, BACKEND)


@pytest.fixture
def module_world(runtime: Runtime, request: pytest.FixtureRequest) -> ModuleWorld:
    return ModuleWorld(runtime, request.module.__name__)


def _world_kept_after(item: pytest.Item) -> bool:
    """The next test reads a world of this module (it checks the world's name), and this one passed."""
    following = item.stash.get(NEXT_TEST, None)
    return (
        _Held.key is not None
        and not item.stash.get(FAILED, False)
        and "module_world" in getattr(item, "fixturenames", ())
        and following is not None
        and getattr(following, "module", None) is getattr(item, "module", None)
        and "module_world" in getattr(following, "fixturenames", ())
    )


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "runtime" not in request.fixturenames or _world_kept_after(request.node):
        return
    rt: Runtime = request.getfixturevalue("runtime")
    await _forget_world(rt)


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
