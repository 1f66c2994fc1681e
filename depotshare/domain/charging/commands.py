"""Commands an operator or a service sends to a station, protocol-neutral. The OCPP gateway
translates each into the message of the station's protocol (1.6 RemoteStartTransaction or 2.0.1
RequestStartTransaction, ...) and refuses those the protocol has no equivalent for. A Query is a
command whose answer a service uses: the gateway reads that answer into a typed result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from depotshare.domain.access.local_list import Change, ListLimits, ListUpdate, ListVersion
from depotshare.domain.common.errors import DomainError, StationError

A_co = TypeVar("A_co", covariant=True)


class Query(Generic[A_co]):
    """A command whose answer is a typed result (StationCommands.ask): the service never sees the
    protocol's payload."""


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
class SendLocalList(Query[ListUpdate]):
    """1.6 SendLocalList (listVersion, idTagInfo) / 2.0.1 SendLocalList (versionNumber,
    idTokenInfo). Full: `changes` is the whole list (entries only); Differential: entries are
    added or replaced, removals taken off. Every entry is status Accepted."""

    version: int
    full: bool
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class GetLocalListVersion(Query[ListVersion]):
    """The version of the station's list (1.6 listVersion, 2.0.1 versionNumber)."""


@dataclass(frozen=True)
class GetLocalListLimits(Query[ListLimits]):
    """What the station says about its list: 1.6 GetConfiguration of LocalAuthListEnabled,
    LocalAuthListMaxLength and SendLocalListMaxLength; 2.0.1 GetVariables of LocalAuthListCtrlr."""


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
    | GetLocalListLimits
    | Raw
)


@dataclass(frozen=True)
class CommandResult:
    """The station's answer as it came (StationCommands.send, shown to an operator): its status
    field where the message has one, and the whole payload. A service that acts on an answer sends
    a Query and gets a typed result instead."""

    action: str
    status: str | None
    payload: dict[str, Any]


class InvalidAnswer(StationError):
    """The station answered, but not as its protocol allows (a payload that breaks the message's
    schema, a value the message cannot carry): nothing of the answer is used."""

    def __init__(self, action: str, problem: str) -> None:
        DomainError.__init__(self, f"the station's answer to {action} is not valid OCPP: {problem}")
        self.code = "InvalidAnswer"
        self.action = action
        self.problem = problem
