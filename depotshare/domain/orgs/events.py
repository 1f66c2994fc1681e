"""Events of the organisation tree."""

from __future__ import annotations

from dataclasses import dataclass

from depotshare.domain.common.events import Changed


@dataclass(frozen=True, kw_only=True)
class OrganisationChanged(Changed):
    """An organisation was created, renamed, moved under another parent or deleted. `moved`: its
    place in the tree changed, and with it which grants and internal fleets reach its tokens and
    its locations."""

    entity: str = "organisation"
    moved: bool = False
