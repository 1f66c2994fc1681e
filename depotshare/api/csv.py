"""The CSV variant of a list endpoint: asked for with `format=csv` or `Accept: text/csv`."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.responses import StreamingResponse

CSV = "text/csv"


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format.strip().lower() == "csv"
    accept = request.headers.get("accept", "")
    return CSV in accept and "application/json" not in accept


def csv_response(body: AsyncIterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
