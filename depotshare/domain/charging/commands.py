"""Commands an operator sends to a station, protocol-neutral. The OCPP gateway translates each
into the message of the station's protocol (1.6 RemoteStartTransaction or 2.0.1
RequestStartTransaction, ...) and refuses those the protocol has no equivalent for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from depotshare.domain.access.local_list import Change


@dataclass(frozen=True)
class RemoteStart:
    id_token: str
    evse_id: int | None = None  # 1.6: connectorId
    charging_profile: dict[str, Any] | None = None


@dataclass(frozen=True)
class RemoteStop:
    transaction_id: str


@dataclass(frozen=True)
class Reset:
    kind: Literal["soft", "hard"] = "soft"  # 2.0.1: OnIdle (soft) / Immediate (hard)


@dataclass(frozen=True)
class UnlockConnector:
    evse_id: int
    connector_id: int = 1


@dataclass(frozen=True)
class ChangeAvailability:
    operative: bool
    evse_id: int = 0  # 0 = the whole station


@dataclass(frozen=True)
class GetConfiguration:  # 1.6 GetConfiguration; 2.0.1 GetVariables on component OCPPCommCtrlr etc.
    keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeConfiguration:  # 1.6 only; for 2.0.1 use SetVariables
    key: str
    value: str


@dataclass(frozen=True)
class GetVariables:  # 2.0.1 only
    variables: list[dict[str, Any]]  # [{"component": {...}, "variable": {...}, "attributeType": ...}]


@dataclass(frozen=True)
class SetVariables:  # 2.0.1 only
    variables: list[dict[str, Any]]


@dataclass(frozen=True)
class GetBaseReport:  # 2.0.1 only
    request_id: int
    report_base: str = "FullInventory"


@dataclass(frozen=True)
class TriggerMessage:
    message: str  # e.g. BootNotification, Heartbeat, StatusNotification, MeterValues
    evse_id: int | None = None


@dataclass(frozen=True)
class ClearCache:
    pass


@dataclass(frozen=True)
class SendLocalList:
    """1.6 SendLocalList (listVersion, idTagInfo) / 2.0.1 SendLocalList (versionNumber,
    idTokenInfo). Full: `changes` is the whole list (entries only); Differential: entries are
    added or replaced, removals taken off. Every entry is status Accepted."""

    version: int
    full: bool
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class GetLocalListVersion:
    """The station's list version: CommandResult.payload["version"] (1.6 listVersion, 2.0.1
    versionNumber; 0 no list, -1 a 1.6 station without local lists)."""


@dataclass(frozen=True)
class Raw:
    """An action sent as given, for the commands later issues add (ReserveNow,
    SetChargingProfile, ...) until they get a typed command; validated against the OCPP schema."""

    action: str
    payload: dict[str, Any]


Command = (
    RemoteStart
    | RemoteStop
    | Reset
    | UnlockConnector
    | ChangeAvailability
    | GetConfiguration
    | ChangeConfiguration
    | GetVariables
    | SetVariables
    | GetBaseReport
    | TriggerMessage
    | ClearCache
    | SendLocalList
    | GetLocalListVersion
    | Raw
)


@dataclass(frozen=True)
class CommandResult:
    """The station's answer: its status field where the message has one, and the whole payload."""

    action: str
    status: str | None
    payload: dict[str, Any]
