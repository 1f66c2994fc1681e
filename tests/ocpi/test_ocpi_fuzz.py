"""No input produces a 500 on the OCPI endpoints either: schemathesis sends generated requests,
valid and invalid, for every operation of /ocpi/openapi.json as a known roaming partner, and every
answer is the OCPI envelope in JSON."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from depotshare.api.app import create_app
from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from tests.api.test_fuzz import EXAMPLES
from tests.ocpi.helpers import BASE, auth, import_yaml, site


async def _seed(settings_: Settings) -> None:
    rt = Runtime(settings_)  # its own engine: schemathesis runs the app on another event loop
    try:
        await import_yaml(rt, BASE + "locations:\n" + site("pub", publish=True) + site("private"))
    finally:
        await rt.close()


@pytest.mark.stricter_engine
def test_no_ocpi_request_gives_a_server_error(runtime: Runtime, settings: Settings) -> None:
    del runtime  # migrated and cleaned by the shared fixtures
    asyncio.run(_seed(settings))
    schema = schemathesis.openapi.from_asgi("/ocpi/openapi.json", create_app(settings))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    failures: list[str] = []
    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def send(case: schemathesis.Case) -> None:
            response = case.call(headers=auth())
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query!r} -> {response.status_code}"
                )
            elif response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
                # A path no route can hold (a line break in it) never reaches /ocpi: the API's 404.
                path = case.formatted_path
                assert response.status_code == 404 and ("\n" in path or "%0A" in path.upper()), path
            else:
                assert (response.headers.get("content-type") or [""])[0].startswith("application/json")
                assert "status_code" in response.json() and "timestamp" in response.json()

        send()
    assert failures == []
