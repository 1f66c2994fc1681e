"""The import file as pydantic models: the shape of every section and key (docs/import-format.md).

The same models describe what `depotshare export` writes, so the two cannot drift apart. Which keys
an entry sets matters: on an existing object only the keys given are changed (`model_fields_set`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, Strict, StringConstraints

from depotshare.domain.access.partnerships import PartnershipIn
from depotshare.domain.access.tariffs import TariffIn
from depotshare.domain.common.inputs import Entry, Key, Number
from depotshare.domain.common.keys import EMAIL_PATTERN, STATION_ID_PATTERN
from depotshare.domain.fleet.tokens import TokenStatus, TokenType
from depotshare.domain.orgs.roles import Role
from depotshare.domain.setup.partners import InternalGrantIn
from depotshare.domain.setup.roaming import PublishTokenIn, RoamingPartnerIn
from depotshare.domain.sites.assets import MIN_STATION_PASSWORD

# Sections of the format that later features fill; until then a file using them is refused.
NOT_YET_SUPPORTED: dict[str, str] = {}

CODE_PATTERN = r"^\S(.{0,62}\S)?$"
PASSWORD_HASH_PATTERN = r"^\$argon2(id|i|d)\$\S+$"

Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=320), AfterValidator(str.lower)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=200)]
UserPassword = Annotated[str, StringConstraints(min_length=8, max_length=200)]
StationPassword = Annotated[str, StringConstraints(min_length=MIN_STATION_PASSWORD, max_length=40)]
PasswordHash = Annotated[str, StringConstraints(pattern=PASSWORD_HASH_PATTERN, max_length=255)]
Flag = Annotated[bool, Strict()]


class CostCentreIn(Entry):
    code: Code
    name: Name


class OrganisationIn(Entry):
    key: Key
    name: Name
    # Top-level entries only: hang this organisation under one that is already in the database.
    parent: Key | None = None
    cost_centres: list[CostCentreIn] = Field(default_factory=list)
    children: list[OrganisationIn] = Field(default_factory=list)


class RoleIn(Entry):
    org: Key | None = None
    role: Role


class UserIn(Entry):
    email: Email
    name: Name
    password: UserPassword | None = None
    password_hash: PasswordHash | None = None
    active: Flag = True
    roles: list[RoleIn] = Field(default_factory=list)


class EmployeeIn(Entry):
    key: Key
    org: Key
    name: Name
    email: Email | None = None
    cost_centre: Code | None = None
    user: Email | None = None  # the login of this employee (a driver sees its own cards)


class VehicleIn(Entry):
    key: Key
    org: Key
    plate: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    description: Text | None = None
    cost_centre: Code | None = None
    employee: Key | None = None


class AddressIn(Entry):
    street: Text | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: str | None = None  # ISO 3166-1 alpha-3


class CoordinatesIn(Entry):
    lat: Decimal
    lon: Decimal


class HomeIn(Entry):
    employee: Key


class ConnectorIn(Entry):
    id: Number
    standard: str  # OCPI 2.2.1 ConnectorType
    max_kw: Decimal | None = None


class EvseIn(Entry):
    id: Number
    connectors: list[ConnectorIn] = Field(default_factory=list)


class StationIn(Entry):
    id: Annotated[str, StringConstraints(pattern=STATION_ID_PATTERN)]
    password: StationPassword | None = None
    password_hash: PasswordHash | None = None
    evses: list[EvseIn] = Field(default_factory=list)


class LocationIn(Entry):
    key: Key
    org: Key
    name: Name
    timezone: str = "UTC"
    address: AddressIn | None = None
    coordinates: CoordinatesIn | None = None
    publish: Flag = False
    # OCPI PublishTokenType entries: a private location shown over OCPI to these drivers only.
    publish_allowed_to: list[PublishTokenIn] = Field(default_factory=list)
    grid_limit_kw: Decimal | None = None
    home: HomeIn | None = None  # a charger at this employee's home
    # Unknown stations whose identity starts with this may connect here as pending; unique.
    admit_station_prefix: Annotated[str, StringConstraints(pattern=STATION_ID_PATTERN)] | None = None
    stations: list[StationIn] = Field(default_factory=list)


class TokenIn(Entry):
    uid: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    org: Key
    type: TokenType = TokenType.RFID
    status: TokenStatus = TokenStatus.ACTIVE
    group: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    employee: Key | None = None
    vehicle: Key | None = None
    cost_centre: Code | None = None
    label: Annotated[str, StringConstraints(max_length=100)] | None = None


class ImportFile(Entry):
    organisations: list[OrganisationIn] = Field(default_factory=list)
    users: list[UserIn] = Field(default_factory=list)
    employees: list[EmployeeIn] = Field(default_factory=list)
    vehicles: list[VehicleIn] = Field(default_factory=list)
    locations: list[LocationIn] = Field(default_factory=list)
    tokens: list[TokenIn] = Field(default_factory=list)
    tariffs: list[TariffIn] = Field(default_factory=list)
    # OCPI parties allowed to read published locations (docs/ocpi.md).
    roaming_partners: list[RoamingPartnerIn] = Field(default_factory=list)
    partnerships: list[PartnershipIn] = Field(default_factory=list)
    # Explicit grants of a host for its own fleet (no partnership).
    internal_grants: list[InternalGrantIn] = Field(default_factory=list)


def walk_organisations(
    orgs: list[OrganisationIn], path: str = "organisations", parent: str | None = None
) -> list[tuple[OrganisationIn, str | None, str]]:
    """Every organisation entry, parents before children: (entry, enclosing key or None, path)."""
    out: list[tuple[OrganisationIn, str | None, str]] = []
    for i, org in enumerate(orgs):
        here = f"{path}[{i}]"
        out.append((org, parent, here))
        out.extend(walk_organisations(org.children, f"{here}.children", org.key))
    return out
