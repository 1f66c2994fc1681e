"""Events of the facility side."""

from __future__ import annotations

from dataclasses import dataclass

from depotshare.domain.common.events import Changed


@dataclass(frozen=True, kw_only=True)
class LocationChanged(Changed):
    """A location was created, changed, moved to another organisation or deleted. `moved`: its
    organisation changed, so other grants and other internal fleets apply there now."""

    entity: str = "location"
    location_id: int
    moved: bool = False


@dataclass(frozen=True, kw_only=True)
class StationChanged(Changed):
    """A station was registered, changed, moved to another location or deleted. `moved`: its
    location changed, so what it must admit offline is another place's."""

    entity: str = "station"
    station_id: int
    moved: bool = False
