"""Request bodies for the fleet: cost centres, employees, vehicles, tokens. Field names follow
the import format (docs/import-format.md). Uids, group ids and validity are checked by the domain
(domain.fleet.tokens), so the API and the import give the same answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, field_validator

from depotshare.api.schemas.common import Input
from depotshare.domain.common.keys import EMAIL_PATTERN, KEY_PATTERN
from depotshare.domain.fleet.tokens import TokenStatus, TokenType

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$"


def _not_null(value: Any) -> Any:
    """PATCH: leaving a field out keeps it; null is refused where the field cannot be empty."""
    if value is None:
        raise ValueError("may not be null; leave the field out to keep it")
    return value


class CostCentreCreate(Input):
    org: str = Field(pattern=KEY_PATTERN, description="organisation key")
    code: str = Field(pattern=CODE_PATTERN, description="unique within the organisation")
    name: str = Field(min_length=1, max_length=200)


class CostCentreUpdate(Input):
    org: str | None = Field(default=None, pattern=KEY_PATTERN, description="move to this organisation")
    code: str | None = Field(default=None, pattern=CODE_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)

    _required = field_validator("org", "code", "name")(_not_null)


class EmployeeCreate(Input):
    key: str = Field(pattern=KEY_PATTERN, description="stable slug, unique platform-wide")
    org: str = Field(pattern=KEY_PATTERN, description="organisation key")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=320)
    cost_centre: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="cost centre code, of this organisation or a parent"
    )
    user: str | None = Field(
        default=None,
        pattern=EMAIL_PATTERN,
        max_length=320,
        description="email of the login (with a role in this organisation) that is this employee",
    )


class EmployeeUpdate(Input):
    org: str | None = Field(default=None, pattern=KEY_PATTERN, description="move to this organisation")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=320)
    cost_centre: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="cost centre code, of this organisation or a parent"
    )
    user: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=320)

    _required = field_validator("org", "name")(_not_null)


class VehicleCreate(Input):
    key: str = Field(pattern=KEY_PATTERN, description="stable slug, unique platform-wide")
    org: str = Field(pattern=KEY_PATTERN, description="organisation key")
    plate: str = Field(min_length=1, max_length=32)
    description: str | None = Field(default=None, max_length=200)
    cost_centre: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="cost centre code, of this organisation or a parent"
    )
    employee: str | None = Field(default=None, pattern=KEY_PATTERN, description="employee key")


class VehicleUpdate(Input):
    org: str | None = Field(default=None, pattern=KEY_PATTERN, description="move to this organisation")
    plate: str | None = Field(default=None, min_length=1, max_length=32)
    description: str | None = Field(default=None, max_length=200)
    cost_centre: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="cost centre code, of this organisation or a parent"
    )
    employee: str | None = Field(default=None, pattern=KEY_PATTERN)

    _required = field_validator("org", "plate")(_not_null)


class TokenCreate(Input):
    uid: str = Field(description="RFID: hex, separators ':' '-' ' ' allowed; stored upper-case without them")
    org: str = Field(pattern=KEY_PATTERN, description="organisation key")
    type: TokenType = TokenType.RFID
    status: TokenStatus = TokenStatus.ACTIVE
    valid_from: date | None = None
    valid_until: date | None = None
    group: str | None = Field(default=None, description="group id (OCPP parentIdTag), at most 20 characters")
    label: str | None = Field(default=None, max_length=100)
    employee: str | None = Field(default=None, pattern=KEY_PATTERN, description="employee key")
    vehicle: str | None = Field(default=None, pattern=KEY_PATTERN, description="vehicle key")
    cost_centre: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="cost centre code, of this organisation or a parent"
    )


class TokenUpdate(Input):
    org: str | None = Field(default=None, pattern=KEY_PATTERN, description="move to this organisation")
    type: TokenType | None = None
    status: TokenStatus | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    group: str | None = None
    label: str | None = Field(default=None, max_length=100)
    employee: str | None = Field(default=None, pattern=KEY_PATTERN)
    vehicle: str | None = Field(default=None, pattern=KEY_PATTERN)
    cost_centre: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="cost centre code, of this organisation or a parent"
    )

    _required = field_validator("org", "type", "status")(_not_null)
