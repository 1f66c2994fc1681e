"""Who is acting: a logged-in user (or API key) with its scope, or the system itself (CLI import)."""

from __future__ import annotations

from dataclasses import dataclass

from depotshare.domain.orgs.roles import Role
from depotshare.domain.orgs.scope import Assignment, Scope


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str  # shown in the audit log
    scope: Scope

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(None, label, Scope.of(0, [Assignment(Role.PLATFORM_ADMIN, None)]))
