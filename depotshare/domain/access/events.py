"""Events of partner and internal access."""

from __future__ import annotations

from dataclasses import dataclass

from depotshare.domain.common.events import Changed, DomainEvent


@dataclass(frozen=True, kw_only=True)
class GrantChanged(Changed):
    """A grant (partner or internal) was created, changed or deleted. Emitted before a deletion:
    its scopes still name the places it covered."""

    entity: str = "grant"
    grant_id: int


@dataclass(frozen=True, kw_only=True)
class PartnershipChanged(Changed):
    """A partnership was created or changed (status, validity): the places of all its grants."""

    entity: str = "partnership"
    partnership_id: int


@dataclass(frozen=True, kw_only=True)
class GrantReshaping(DomainEvent):
    """A grant's subject or places are about to be rewritten: the stations it covers until now
    must learn of it as well as those it will cover (a GrantChanged follows the write)."""

    grant_id: int
