"""The OCPP versions this gateway speaks: websocket subprotocol -> the class that handles a
station of that version. Negotiation picks the first subprotocol the station offers that is here."""

from __future__ import annotations

from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201.enums import Action as Action201

from depotshare.ocpp.errors import V201_CODES
from depotshare.ocpp.station import StationBase
from depotshare.ocpp.v16 import SUBPROTOCOL as V16
from depotshare.ocpp.v16 import V16Station


class V201Unhandled(StationBase, ChargePoint201):  # type: ignore[misc]
    """OCPP 2.0.1 connects and is validated, but no action is handled yet (NotSupported).
    Replaced by depotshare.ocpp.v201.V201Station, which reuses this gateway and the services."""

    codes = V201_CODES
    actions = frozenset(a.value for a in Action201)


STATIONS: dict[str, type[StationBase]] = {
    V16: V16Station,
    "ocpp2.0.1": V201Unhandled,
}


def negotiate(offered: list[str]) -> str | None:
    """The station's most preferred subprotocol that we speak (RFC 6455: the client lists them
    in order of preference)."""
    return next((p for p in offered if p in STATIONS), None)
