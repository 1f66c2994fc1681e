"""Request bodies for locations."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from depotshare.api.schemas.common import Input
from depotshare.domain.common.keys import KEY_PATTERN, STATION_ID_PATTERN
from depotshare.domain.sites import assets


class AddressIn(Input):
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=3, description="ISO 3166-1 alpha-3, e.g. DEU")


class CoordinatesIn(Input):
    lat: Decimal = Field(ge=assets.MIN_LAT, le=assets.MAX_LAT)
    lon: Decimal = Field(ge=assets.MIN_LON, le=assets.MAX_LON)


class HomeIn(Input):
    employee: str = Field(pattern=KEY_PATTERN, description="key of the employee whose home this is")


class _LocationFields(Input):
    address: AddressIn | None = Field(default=None, description="replaced as a whole; null clears it")
    coordinates: CoordinatesIn | None = None
    grid_limit_kw: Decimal | None = Field(default=None, ge=0, le=assets.MAX_GRID_LIMIT_KW)
    home: HomeIn | None = Field(default=None, description="set for a charger at an employee's home")
    admit_station_prefix: str | None = Field(
        default=None,
        pattern=STATION_ID_PATTERN,
        description="unknown stations whose OCPP identity starts with this may connect here as pending, "
        "for an operator to accept; unique; null: unknown stations are refused",
    )


class LocationCreate(_LocationFields):
    key: str = Field(pattern=KEY_PATTERN, description="stable slug, unique platform-wide")
    org: str = Field(pattern=KEY_PATTERN, description="key of the owning organisation")
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="UTC", max_length=64, description="IANA name, e.g. Europe/Berlin")
    publish: bool = Field(default=False, description="shown to roaming partners over OCPI")


class LocationUpdate(_LocationFields):
    """Fields left out stay as they are; for the nullable ones, null clears them."""

    org: str | None = Field(
        default=None, pattern=KEY_PATTERN, description="owning organisation; changing it moves the location"
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, max_length=64, description="IANA name, e.g. Europe/Berlin")
    publish: bool | None = None
