"""Request bodies for partnerships and their access grants. Field names and rules are the import
format's (docs/import-format.md, domain/access/grant_terms.py): a grant body is an import grant
entry plus `subject`, so the API and the import accept and refuse the same things."""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from depotshare.api.schemas.common import Input, has_nul
from depotshare.domain.access.grant_terms import GrantIn
from depotshare.domain.access.grants import PartnershipStatus
from depotshare.domain.access.partnerships import ShareIn
from depotshare.domain.common.keys import KEY_PATTERN


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may not be null; leave the field out to keep it")
    return value


class PartnershipCreate(Input):
    key: str | None = Field(
        default=None, pattern=KEY_PATTERN, description="stable slug, unique platform-wide"
    )
    host: str = Field(pattern=KEY_PATTERN, description="organisation key of the host (depot owner)")
    partner: str = Field(
        pattern=KEY_PATTERN, description="organisation key of the partner company, outside the host's tree"
    )
    status: PartnershipStatus = PartnershipStatus.ACTIVE
    valid_from: date | None = None
    valid_until: date | None = None
    tariff: str | None = Field(default=None, pattern=KEY_PATTERN, description="tariff key")
    revenue_share: list[ShareIn] = Field(
        default_factory=list, max_length=20, description='[{"party": org key or "operator", "percent": "70"}]'
    )


class PartnershipUpdate(Input):
    key: str | None = Field(default=None, pattern=KEY_PATTERN)
    status: PartnershipStatus | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    tariff: str | None = Field(default=None, pattern=KEY_PATTERN)
    revenue_share: list[ShareIn] | None = Field(default=None, max_length=20)

    _required = field_validator("status", "revenue_share")(_not_null)


class GrantBody(GrantIn):
    """An import grant entry (docs/import-format.md) plus `subject`: exactly one of locations,
    stations, evses; days + hours for one weekly window or `windows` for several (none: at any
    time). A PATCH changes only the fields it gives: any of locations, stations, evses replaces the
    places, any of days, hours, windows the windows."""

    subject: str | None = Field(
        default=None,
        pattern=KEY_PATTERN,
        description="the partner's organisation whose tokens it admits (itself or one below it); null = the partner",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value

    def entry(self) -> GrantIn:
        """The import's grant entry, with the fields given (its rules are checked by the service)."""
        return GrantIn.model_validate(self.model_dump(exclude={"subject"}, exclude_unset=True))


class InternalGrantUpdate(GrantBody):
    """A partial update of an internal grant: as a partnership grant's, `subject` within the host."""

    subject: str | None = Field(
        default=None,
        pattern=KEY_PATTERN,
        description="the host's organisation whose tokens it admits (the host or one below it); null = the host's whole fleet",
    )


class InternalGrantCreate(InternalGrantUpdate):
    """An import `internal_grants` entry: the host, optionally the subject, and a grant's fields."""

    host: str = Field(
        pattern=KEY_PATTERN, description="organisation key of the host: its own fleet and places"
    )

    def entry(self) -> GrantIn:
        return GrantIn.model_validate(self.model_dump(exclude={"subject", "host"}, exclude_unset=True))
