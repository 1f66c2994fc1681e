"""The OCPI 2.2.1 application, mounted at /ocpi beside the REST API: its own error handling,
because every OCPI answer (errors too) is the OCPI envelope {data, status_code, status_message,
timestamp}, not problem+json."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from depotshare.domain.common.errors import DomainError, InvalidInput, NotFound, Unauthenticated
from depotshare.domain.roaming import ocpi_locations as ocpi
from depotshare.ocpi import objects
from depotshare.ocpi.envelope import (
    GENERIC_CLIENT_ERROR,
    GENERIC_SERVER_ERROR,
    INVALID_PARAMETERS,
    UNKNOWN_LOCATION,
    envelope,
    error,
)
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.roaming import ocpi_locations
from depotshare.services.roaming import partners as roaming_partners
from depotshare.services.roaming.partners import OcpiParty
from depotshare.services.runtime import Runtime

ECHOED_HEADERS = ("X-Request-ID", "X-Correlation-ID")


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    runtime: Runtime = request.app.state.runtime
    async with runtime.uow() as uow:
        yield uow


UoW = Annotated[UnitOfWork, Depends(get_uow)]


async def get_party(uow: UoW, authorization: Annotated[str | None, Header()] = None) -> OcpiParty:
    """The roaming partner calling: 401 with the OCPI envelope when the token is absent or unknown."""
    return await roaming_partners.authenticate(uow, authorization)


Party = Annotated[OcpiParty, Depends(get_party)]


def create_ocpi_app(runtime: Runtime) -> FastAPI:
    settings = runtime.settings
    operator = objects.Operator(settings.ocpi_country_code, settings.ocpi_party_id)
    heartbeat = float(settings.heartbeat_interval_s)
    page_limit = settings.ocpi_page_limit

    app = FastAPI(
        title="DepotShare OCPI 2.2.1 (CPO)",
        version=ocpi.VERSION,
        description="OCPI 2.2.1 Sender interface of the Locations module. Auth: "
        "`Authorization: Token <base64 of the credentials token>`.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    _install_errors(app)

    @app.middleware("http")
    async def echo_request_ids(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name in ECHOED_HEADERS:  # OCPI 2.2.1: every response carries the request's ids
            response.headers[name] = request.headers.get(name) or str(uuid.uuid4())
        return response

    @app.get("/versions", name="ocpi_versions")
    @app.get("/versions/", name="ocpi_versions_slash", include_in_schema=False)
    async def versions(request: Request, party: Party) -> JSONResponse:
        """The OCPI versions we speak (only 2.2.1) and where their details are."""
        url = str(request.url_for("ocpi_version_details"))
        return envelope([{"version": ocpi.VERSION, "url": url}])

    @app.get(f"/{ocpi.VERSION}", name="ocpi_version_details")
    @app.get(f"/{ocpi.VERSION}/", name="ocpi_version_details_slash", include_in_schema=False)
    async def version_details(request: Request, party: Party) -> JSONResponse:
        """The modules of 2.2.1 we implement: Locations, as its Sender (we are the CPO)."""
        url = str(request.url_for("ocpi_locations"))
        return envelope(
            {
                "version": ocpi.VERSION,
                "endpoints": [{"identifier": "locations", "role": "SENDER", "url": url}],
            }
        )

    @app.get(f"/{ocpi.VERSION}/locations", name="ocpi_locations")
    @app.get(f"/{ocpi.VERSION}/locations/", name="ocpi_locations_slash", include_in_schema=False)
    async def list_locations(
        request: Request,
        party: Party,
        uow: UoW,
        date_from: Annotated[str | None, Query(description="last_updated at or after (inclusive)")] = None,
        date_to: Annotated[str | None, Query(description="last_updated before (exclusive)")] = None,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    ) -> JSONResponse:
        """The locations this partner may see, oldest first; pagination headers as OCPI says."""
        since = ocpi.parse_timestamp(date_from, "date_from") if date_from is not None else None
        until = ocpi.parse_timestamp(date_to, "date_to") if date_to is not None else None
        size = page_limit if limit is None else min(limit, page_limit)
        page = await ocpi_locations.list_locations(
            uow, offset=offset, limit=size, date_from=since, date_to=until, heartbeat_interval_s=heartbeat
        )
        headers = {"X-Total-Count": str(page.total), "X-Limit": str(page_limit)}
        if size > 0 and offset + len(page.items) < page.total:
            following = request.url.include_query_params(offset=offset + len(page.items), limit=size)
            headers["Link"] = f'<{following}>; rel="next"'
        return envelope([objects.location(loc, operator) for loc in page.items], headers=headers)

    @app.get(f"/{ocpi.VERSION}/locations/{{location_id}}", name="ocpi_location")
    async def get_location(location_id: str, party: Party, uow: UoW) -> JSONResponse:
        loc = await ocpi_locations.get_location(uow, location_id, heartbeat_interval_s=heartbeat)
        return envelope(objects.location(loc, operator))

    @app.get(f"/{ocpi.VERSION}/locations/{{location_id}}/{{evse_uid}}", name="ocpi_evse")
    async def get_evse(location_id: str, evse_uid: str, party: Party, uow: UoW) -> JSONResponse:
        _, evse = await ocpi_locations.get_evse(uow, location_id, evse_uid, heartbeat_interval_s=heartbeat)
        return envelope(objects.evse(evse, operator))

    @app.get(
        f"/{ocpi.VERSION}/locations/{{location_id}}/{{evse_uid}}/{{connector_id}}", name="ocpi_connector"
    )
    async def get_connector(
        location_id: str, evse_uid: str, connector_id: str, party: Party, uow: UoW
    ) -> JSONResponse:
        connector = await ocpi_locations.get_connector(
            uow, location_id, evse_uid, connector_id, heartbeat_interval_s=heartbeat
        )
        return envelope(objects.connector(connector))

    return app


def bad_url() -> JSONResponse:
    """The answer to a URL no OCPI request can mean (a NUL byte in it), in the OCPI envelope."""
    return error(400, INVALID_PARAMETERS, "the URL contains a NUL character")


def _install_errors(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        if isinstance(exc, Unauthenticated):
            return error(401, GENERIC_CLIENT_ERROR, exc.detail, headers={"WWW-Authenticate": "Token"})
        if isinstance(exc, NotFound):
            return error(404, UNKNOWN_LOCATION, exc.detail)
        if isinstance(exc, InvalidInput):
            return error(400, INVALID_PARAMETERS, exc.detail)
        return error(400, GENERIC_CLIENT_ERROR, exc.detail)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:])
        return error(400, INVALID_PARAMETERS, f"{where}: {first.get('msg', 'invalid request')}")

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error(exc.status_code, GENERIC_CLIENT_ERROR, str(exc.detail))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error(500, GENERIC_SERVER_ERROR, "an unexpected error occurred; it has been logged")

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
