"""The OCPP versions this gateway speaks: websocket subprotocol -> the class that handles a
station of that version. Negotiation picks the first subprotocol the station offers that is here."""

from __future__ import annotations

from depotshare.ocpp.station import StationBase
from depotshare.ocpp.v16 import SUBPROTOCOL as V16
from depotshare.ocpp.v16 import V16Station
from depotshare.ocpp.v201 import SUBPROTOCOL as V201
from depotshare.ocpp.v201 import V201Station

STATIONS: dict[str, type[StationBase]] = {
    V16: V16Station,
    V201: V201Station,
}


def negotiate(offered: list[str]) -> str | None:
    """The station's most preferred subprotocol that we speak (RFC 6455: the client lists them
    in order of preference)."""
    return next((p for p in offered if p in STATIONS), None)
