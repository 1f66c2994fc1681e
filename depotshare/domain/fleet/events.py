"""Events of the fleet side."""

from __future__ import annotations

from dataclasses import dataclass

from depotshare.domain.common.events import Changed


@dataclass(frozen=True, kw_only=True)
class TokenChanged(Changed):
    """A token was created, changed, moved or deleted. `org_paths`: the organisations it belonged
    to before and after, whose tokens the stations' local lists carry."""

    entity: str = "token"
    org_paths: frozenset[str]
