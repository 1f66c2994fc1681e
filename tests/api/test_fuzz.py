"""No input produces a 500: schemathesis generates requests, valid and invalid, for every
operation of the OpenAPI document and sends them as a platform admin to the real app and database."""

from __future__ import annotations

import asyncio
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from depotshare.api.app import create_app
from depotshare.config import Settings
from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import security
from depotshare.services.runtime import Runtime
from tests.support.helpers import make_tree, make_user

EXAMPLES = int(os.environ.get("DEPOTSHARE_FUZZ_EXAMPLES", "12"))


async def _seed(settings_: Settings) -> int:
    rt = Runtime(settings_)  # its own engine: schemathesis runs the app on another event loop
    try:
        await make_tree(rt, {"acme": None, "acme-north": "acme", "swift": None})
        return await make_user(rt, "fuzz@example.com", (Role.PLATFORM_ADMIN, None))
    finally:
        await rt.close()


@pytest.fixture
def api_schema(runtime: Runtime, settings: Settings) -> schemathesis.BaseSchema:
    del runtime  # migrated and cleaned by the shared fixtures
    user_id = asyncio.run(_seed(settings))
    app = create_app(settings)  # a runtime of its own, created lazily on schemathesis' loop
    app.state.fuzz_headers = {"Authorization": f"Bearer {security.issue_access_token(user_id)}"}
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.mark.stricter_engine
def test_no_request_gives_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    headers = api_schema.app.state.fuzz_headers
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def send(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.body!r} -> {response.status_code}"
                )
            else:
                content_type = (response.headers.get("content-type") or [""])[0]
                assert (
                    content_type.startswith(("application/json", "application/problem+json"))
                    or response.status_code == 204
                ), (case.method, case.formatted_path, response.status_code)

        send()
    assert failures == []
