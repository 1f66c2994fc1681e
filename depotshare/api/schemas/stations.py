"""Request bodies for charging stations and their EVSEs."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from depotshare.api.schemas.common import Input
from depotshare.domain.charging.registration import RegistrationStatus
from depotshare.domain.common.keys import KEY_PATTERN, STATION_ID_PATTERN
from depotshare.domain.sites import assets
from depotshare.domain.sites.assets import ConnectorSpec, ConnectorType, EvseSpec


class ConnectorIn(Input):
    id: int = Field(ge=1, le=assets.MAX_OCPP_ID)
    standard: ConnectorType = Field(description="OCPI 2.2.1 ConnectorType")
    max_kw: Decimal | None = Field(default=None, ge=0, le=assets.MAX_CONNECTOR_KW)

    def spec(self) -> ConnectorSpec:
        return ConnectorSpec(self.id, self.standard.value, self.max_kw)


class EvseIn(Input):
    id: int = Field(ge=1, le=assets.MAX_OCPP_ID, description="EVSE number on the station (OCPP evseId)")
    connectors: list[ConnectorIn] = Field(min_length=1)

    def spec(self) -> EvseSpec:
        return EvseSpec(self.id, tuple(c.spec() for c in self.connectors))


class EvseUpdate(Input):
    id: int | None = Field(default=None, ge=1, le=assets.MAX_OCPP_ID, description="renumbers the EVSE")
    connectors: list[ConnectorIn] = Field(min_length=1, description="replaced as a whole")

    def spec(self, evse_id: int) -> EvseSpec:
        return EvseSpec(self.id or evse_id, tuple(c.spec() for c in self.connectors))


class _StationFields(Input):
    password: str | None = Field(
        default=None,
        min_length=assets.MIN_STATION_PASSWORD,
        max_length=100,
        description="HTTP Basic password of the OCPP connection; write-only",
    )
    vendor: str | None = Field(default=None, max_length=50)
    model: str | None = Field(default=None, max_length=50)
    serial_number: str | None = Field(default=None, max_length=50)
    firmware_version: str | None = Field(default=None, max_length=50)


class StationCreate(_StationFields):
    id: str = Field(pattern=STATION_ID_PATTERN, description="OCPP identity, the last path segment of its URL")
    location: str = Field(pattern=KEY_PATTERN, description="key of the location")
    evses: list[EvseIn] = Field(default_factory=list)


class StationUpdate(_StationFields):
    """Fields left out stay as they are; `password: null` removes the password."""

    location: str | None = Field(default=None, pattern=KEY_PATTERN, description="moves the station")
    evses: list[EvseIn] | None = Field(default=None, description="replaces all EVSEs when given")
    registration_status: RegistrationStatus | None = Field(
        default=None, description="accepted: a pending station may boot; rejected: its boot is refused"
    )
