"""Request bodies for roaming partners (OCPI parties). Field names follow the import format
(docs/import-format.md, `roaming_partners`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from depotshare.api.schemas.common import Input
from depotshare.domain.common.keys import KEY_PATTERN
from depotshare.domain.roaming.parties import (
    COUNTRY_CODE_PATTERN,
    PARTY_ID_PATTERN,
    TOKEN_PATTERN,
    PartnerStatus,
    PartyRole,
)

TOKEN_HELP = (
    "the OCPI credentials token the partner will send (8-64 printable ASCII characters, no spaces); "
    "leave it out to have one generated"
)


def _not_null(value: Any) -> Any:
    """PATCH: leaving a field out keeps it; null is refused where the field cannot be empty."""
    if value is None:
        raise ValueError("may not be null; leave the field out to keep it")
    return value


class RoamingPartnerCreate(Input):
    key: str = Field(pattern=KEY_PATTERN, description="stable slug, unique platform-wide")
    name: str = Field(min_length=1, max_length=200)
    country_code: str = Field(pattern=COUNTRY_CODE_PATTERN, description="ISO 3166-1 alpha-2, e.g. DE")
    party_id: str = Field(pattern=PARTY_ID_PATTERN, description="the party's OCPI party id, e.g. RHX")
    role: PartyRole = PartyRole.EMSP
    status: PartnerStatus = PartnerStatus.ACTIVE
    token: str | None = Field(default=None, pattern=TOKEN_PATTERN, description=TOKEN_HELP)


class RoamingPartnerUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country_code: str | None = Field(default=None, pattern=COUNTRY_CODE_PATTERN)
    party_id: str | None = Field(default=None, pattern=PARTY_ID_PATTERN)
    role: PartyRole | None = None
    status: PartnerStatus | None = Field(default=None, description="suspended: its token is refused")
    token: str | None = Field(
        default=None, pattern=TOKEN_PATTERN, description="replace the credentials token with this one"
    )

    _required = field_validator("name", "country_code", "party_id", "role", "status", "token")(_not_null)
