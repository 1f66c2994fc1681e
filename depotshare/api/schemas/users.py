"""Request bodies for users and role assignments."""

from __future__ import annotations

from pydantic import Field

from depotshare.api.schemas.common import Input
from depotshare.domain.common.keys import EMAIL_PATTERN, KEY_PATTERN
from depotshare.domain.orgs.roles import Role


class RoleIn(Input):
    role: Role
    org: str | None = Field(default=None, pattern=KEY_PATTERN, description="omit only for platform_admin")


class UserCreate(Input):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    roles: list[RoleIn] = Field(default_factory=list)


class UserUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    is_active: bool | None = None
