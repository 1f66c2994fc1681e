"""The FastAPI application: REST API under /api/v1 (the portal and OCPP mount beside it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse

from depotshare.api import docs, errors
from depotshare.api.routers.access import decisions as access_decisions
from depotshare.api.routers.access import internal_grants, local_lists, partnerships
from depotshare.api.routers.charging import commands, sessions
from depotshare.api.routers.fleet import cost_centres, employees, tokens, vehicles
from depotshare.api.routers.orgs import audit, auth, organisations, users
from depotshare.api.routers.roaming import partners as roaming_partners
from depotshare.api.routers.sites import locations, stations
from depotshare.config import Settings, get_settings
from depotshare.ocpi.app import bad_url as ocpi_bad_url
from depotshare.ocpi.app import create_ocpi_app
from depotshare.ocpp.server import mount as mount_ocpp
from depotshare.services.access.local_lists import LocalListSync
from depotshare.services.runtime import Runtime
from depotshare.services.sites import connected_stations as stations_live

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or get_settings()
    owned = runtime is None
    runtime = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owned:  # a served process: no station is connected to it yet
            async with runtime.uow() as uow:
                await stations_live.forget_connections(uow)
        # Keeps the local lists of the stations connected to this process in sync; it steps
        # aside while a reconnect storm boots (the boots need the CPU, the lists can wait).
        gate = app.state.ocpp.boot_gate
        local_list_sync = LocalListSync(runtime, hold_off=lambda: gate.booting > max(1, gate.slots // 10))
        local_list_sync.start()
        yield
        await local_list_sync.stop()
        if owned:
            await runtime.close()

    app = FastAPI(
        title="DepotShare",
        version="0.1.0",
        description="Charge point management for shared depot charging.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # docs.install serves the docs pages with their assets from the package
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    errors.install(app)
    app.add_middleware(errors.RejectNulInUrl, answers={"/ocpi": ocpi_bad_url})

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        auth,
        organisations,
        users,
        audit,
        locations,
        stations,
        cost_centres,
        employees,
        vehicles,
        tokens,
        sessions,
        commands,
        local_lists,
        roaming_partners,
        partnerships,
        internal_grants,
        access_decisions,
    ):
        api.include_router(module.router)
    app.include_router(api)
    docs.install(app, API_PREFIX)  # /api/v1/docs, /api/v1/redoc: no file from the internet
    mount_ocpp(app, runtime)  # /ocpp/{station_id} on the same port; registers station_commands
    app.mount("/ocpi", create_ocpi_app(runtime))  # OCPI 2.2.1 CPO endpoints (docs/ocpi.md)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{API_PREFIX}/docs")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
