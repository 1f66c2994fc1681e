"""The OCPI response format: every answer is {data, status_code, status_message, timestamp}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

from depotshare.domain.roaming import ocpi_locations as ocpi

SUCCESS = 1000
GENERIC_CLIENT_ERROR = 2000
INVALID_PARAMETERS = 2001
UNKNOWN_LOCATION = 2003
GENERIC_SERVER_ERROR = 3000


def envelope(data: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"data": data, "status_code": SUCCESS, "status_message": "Success", "timestamp": _now()}
    return JSONResponse(body, headers=headers)


def error(
    http_status: int, status_code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error carries no data (OCPI 2.2.1, 4.1.7.5)."""
    body = {"status_code": status_code, "status_message": message, "timestamp": _now()}
    return JSONResponse(body, status_code=http_status, headers=headers)


def _now() -> str:
    return ocpi.timestamp(datetime.now(UTC))
