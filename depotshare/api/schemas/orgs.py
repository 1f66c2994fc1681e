"""Request bodies for organisations."""

from __future__ import annotations

from pydantic import Field

from depotshare.api.schemas.common import Input
from depotshare.domain.common.keys import KEY_PATTERN


class OrganisationCreate(Input):
    key: str = Field(pattern=KEY_PATTERN, description="stable slug, unique platform-wide")
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(
        default=None, description="key of the parent; omit for a top-level organisation"
    )


class OrganisationUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent: str | None = Field(
        default=None, description="key of the new parent (moves the whole subtree); null makes it top-level"
    )
