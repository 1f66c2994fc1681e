"""The stations connected to this process, by OCPP identity. A new connection of a station
replaces the old one here first, so the old one's end cannot mark the new one offline."""

from __future__ import annotations

from typing import Generic, TypeVar

S = TypeVar("S")


class Registry(Generic[S]):
    def __init__(self) -> None:
        self._by_id: dict[str, S] = {}

    def get(self, station_id: str) -> S | None:
        return self._by_id.get(station_id)

    def put(self, station_id: str, station: S) -> S | None:
        """Register `station`; returns the connection it replaces, for the caller to close."""
        old = self._by_id.get(station_id)
        self._by_id[station_id] = station
        return old

    def discard(self, station_id: str, station: S) -> bool:
        """Forget `station` if it is still the current connection; False when it was replaced."""
        if self._by_id.get(station_id) is station:
            del self._by_id[station_id]
            return True
        return False

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, station_id: object) -> bool:
        return station_id in self._by_id
