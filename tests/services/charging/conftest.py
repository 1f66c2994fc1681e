"""The OCPP end-to-end fixtures (a served app, a depot with stations and cards) for these tests."""

from tests.ocpp.conftest import depot, served  # noqa: F401 - fixtures
