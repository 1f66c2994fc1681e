"""The OCPP end-to-end fixtures (a served app, a depot with stations and cards) for these tests, and
for the service tests (no served app) the depot's station HH-02 by its primary key."""

import pytest

from depotshare.services.runtime import Runtime
from depotshare.store.sites.models import ChargingStation
from tests.ocpp.conftest import depot, served  # noqa: F401 - fixtures
from tests.support.charging_rows import id_of


@pytest.fixture
async def station(runtime: Runtime, depot: None) -> int:  # noqa: F811 - the fixture above
    """HH-02 of the depot: no password, EVSEs 1 and 2."""
    return await id_of(runtime, ChargingStation, "ocpp_id", "HH-02")
