"""The scenario file: steps a station performs, checked up front with errors that name the step
path (`steps[3].start.connector`). The default life cycle is itself a generated scenario.
Format documented in docs/simulator.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from depotshare.simulator.config import ConfigError

STATUSES_16 = frozenset(
    {
        "Available",
        "Preparing",
        "Charging",
        "SuspendedEVSE",
        "SuspendedEV",
        "Finishing",
        "Reserved",
        "Unavailable",
        "Faulted",
    }
)
STATUSES_201 = frozenset({"Available", "Occupied", "Reserved", "Unavailable", "Faulted"})
# 2.0.1 has no session phases in the connector status: they all read Occupied.
TO_201_STATUS = {
    s: "Occupied" for s in ("Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing")
}
STOP_REASONS_16 = frozenset(
    {
        "EmergencyStop",
        "EVDisconnected",
        "HardReset",
        "Local",
        "Other",
        "PowerLoss",
        "Reboot",
        "Remote",
        "SoftReset",
        "UnlockCommand",
        "DeAuthorized",
    }
)
STOP_REASONS_201 = frozenset(
    {
        "DeAuthorized",
        "EmergencyStop",
        "EnergyLimitReached",
        "EVDisconnected",
        "GroundFault",
        "ImmediateReset",
        "Local",
        "LocalOutOfCredit",
        "MasterPass",
        "Other",
        "OvercurrentFault",
        "PowerLoss",
        "PowerQuality",
        "Reboot",
        "Remote",
        "SOCLimitReached",
        "StoppedByEV",
        "TimeLimitReached",
        "Timeout",
    }
)
# What a station may send on its own (a `send` step); the rest are the CSMS's calls.
STATION_CALLS_16 = frozenset(
    {
        "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
        "FirmwareStatusNotification", "Heartbeat", "LogStatusNotification", "MeterValues",
        "SecurityEventNotification", "SignCertificate", "SignedFirmwareStatusNotification",
        "StartTransaction", "StatusNotification", "StopTransaction",
    }
)  # fmt: skip
STATION_CALLS_201 = frozenset(
    {
        "Authorize", "BootNotification", "ClearedChargingLimit", "DataTransfer",
        "FirmwareStatusNotification", "Get15118EVCertificate", "GetCertificateStatus", "Heartbeat",
        "LogStatusNotification", "MeterValues", "NotifyChargingLimit", "NotifyCustomerInformation",
        "NotifyDisplayMessages", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule", "NotifyEvent",
        "NotifyMonitoringReport", "NotifyReport", "PublishFirmwareStatusNotification",
        "ReportChargingProfiles", "ReservationStatusUpdate", "SecurityEventNotification",
        "SignCertificate", "StatusNotification", "TransactionEvent",
    }
)  # fmt: skip
AUTH_STATUSES = frozenset(
    {
        "Accepted",
        "Blocked",
        "Expired",
        "Invalid",
        "ConcurrentTx",
        "NoCredit",
        "NotAllowedTypeEVSE",
        "NotAtThisLocation",
        "NotAtThisTime",
        "Unknown",
    }
)


@dataclass(frozen=True)
class Boot:
    pass


@dataclass(frozen=True)
class Heartbeat:
    pass


@dataclass(frozen=True)
class Status:
    connector: int
    status: str
    error_code: str = "NoError"


@dataclass(frozen=True)
class Authorize:
    id_tag: str | None = None  # None: the station's token
    expect: str | None = None


@dataclass(frozen=True)
class Start:
    connector: int = 1
    id_tag: str | None = None
    meter_start_wh: int | None = None  # None: the connector's register as it stands
    expect: str | None = None


@dataclass(frozen=True)
class Meter:
    every_s: float | None = None  # None: --meter-interval
    count: int = 1
    power_kw: float | None = None  # None: --power-kw
    connector: int = 1


@dataclass(frozen=True)
class Stop:
    reason: str = "Local"
    connector: int = 1
    meter_stop_wh: int | None = None  # None: the register as it stands (a lower value tests the CSMS)


@dataclass(frozen=True)
class Wait:
    seconds: float


@dataclass(frozen=True)
class Offline:
    queue: bool = True


@dataclass(frozen=True)
class Reconnect:
    pass


@dataclass(frozen=True)
class Session:
    """The whole plug-in to Available cycle, as the default life cycle runs it."""

    connector: int = 1
    id_tag: str | None = None
    charge_s: float | None = None  # None: the run's duration divided among its sessions
    power_kw: float | None = None
    every_s: float | None = None


@dataclass(frozen=True)
class Send:
    """Any call by its OCPP action name, payload as on the wire (camelCase)."""

    action: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hold:
    """Stay connected, heartbeating and answering the CSMS, until the run's --duration is up."""


@dataclass(frozen=True)
class Repeat:
    times: int
    steps: tuple[Step, ...]


Step = (
    Boot
    | Heartbeat
    | Status
    | Authorize
    | Start
    | Meter
    | Stop
    | Wait
    | Offline
    | Reconnect
    | Session
    | Send
    | Hold
    | Repeat
)


@dataclass(frozen=True)
class Scenario:
    steps: tuple[Step, ...]
    per_station: dict[str, tuple[Step, ...]] = field(default_factory=dict)

    def steps_for(self, station_id: str) -> tuple[Step, ...]:
        return self.per_station.get(station_id, self.steps)


def default_lifecycle(sessions: int, connectors: int) -> Scenario:
    """Boot, everything Available, `sessions` full sessions round the connectors, then hold."""
    steps: list[Step] = [Boot()]
    steps += [Status(c, "Available") for c in range(1, connectors + 1)]
    steps += [Session(connector=k % connectors + 1) for k in range(sessions)]
    steps.append(Hold())
    return Scenario(tuple(steps))


# --- parsing --------------------------------------------------------------------------------

_NO_ARGS: dict[str, type] = {"boot": Boot, "heartbeat": Heartbeat, "reconnect": Reconnect, "hold": Hold}


class _Parser:
    def __init__(self, protocol: str) -> None:
        self.protocol = protocol

    def fail(self, path: str, message: str) -> ConfigError:
        return ConfigError("--scenario", f"{path}: {message}")

    def steps(self, raw: Any, path: str) -> tuple[Step, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(path, "expected a non-empty list of steps")
        return tuple(self.step(item, f"{path}[{i}]") for i, item in enumerate(raw))

    def step(self, raw: Any, path: str) -> Step:
        if isinstance(raw, str):
            name, args = raw, None
        elif isinstance(raw, dict) and len(raw) == 1:
            ((name, args),) = raw.items()
        else:
            raise self.fail(path, "a step is a name (`- boot`) or a one-key mapping (`- wait: 2`)")
        name = str(name)
        if name in _NO_ARGS:
            if args not in (None, {}):
                raise self.fail(f"{path}.{name}", "takes no arguments")
            step: Step = _NO_ARGS[name]()
            return step
        method = getattr(self, f"_{name}", None)
        if method is None:
            known = sorted([*_NO_ARGS, *(m[1:] for m in dir(self) if m.startswith("_") and m[1:2].isalpha())])
            raise self.fail(path, f"unknown step {name!r}; known: {', '.join(known)}")
        result: Step = method(args, f"{path}.{name}")
        return result

    # Arguments: scalars are shorthands for the step's main argument.
    def args(self, raw: Any, path: str, allowed: set[str], shorthand: str | None = None) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            if shorthand is None:
                raise self.fail(path, "expected a mapping of arguments")
            return {shorthand: raw}
        unknown = set(map(str, raw)) - allowed
        if unknown:
            raise self.fail(
                f"{path}.{sorted(unknown)[0]}", f"unknown argument; allowed: {', '.join(sorted(allowed))}"
            )
        return {str(k): v for k, v in raw.items()}

    def int_(self, value: Any, path: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(path, f"expected a whole number >= {minimum}, got {value!r}")
        return value

    def num(self, value: Any, path: str, *, positive: bool = True) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or (positive and value == 0)
        ):
            raise self.fail(
                path, f"expected a {'positive' if positive else 'non-negative'} number, got {value!r}"
            )
        return float(value)

    def text(self, value: Any, path: str, max_len: int = 36) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value or len(value) > max_len:
            raise self.fail(path, f"expected a text of 1 to {max_len} characters, got {value!r}")
        return value

    def choice(self, value: Any, path: str, allowed: frozenset[str]) -> str:
        if value not in allowed:
            raise self.fail(path, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return str(value)

    def _status(self, raw: Any, path: str) -> Status:
        a = self.args(raw, path, {"connector", "status", "error_code"})
        if "status" not in a:
            raise self.fail(f"{path}.status", "required")
        if self.protocol == "ocpp1.6":
            status = self.choice(a["status"], f"{path}.status", STATUSES_16)
        else:
            status = self.choice(a["status"], f"{path}.status", STATUSES_201 | TO_201_STATUS.keys())
            status = TO_201_STATUS.get(status, status)
        return Status(
            connector=self.int_(a.get("connector", 1), f"{path}.connector"),
            status=status,
            error_code=self.text(a.get("error_code", "NoError"), f"{path}.error_code", 50),
        )

    def _authorize(self, raw: Any, path: str) -> Authorize:
        a = self.args(raw, path, {"id_tag", "expect"}, shorthand="id_tag")
        return Authorize(
            id_tag=self.text(a["id_tag"], f"{path}.id_tag", 20) if "id_tag" in a else None,
            expect=self.choice(a["expect"], f"{path}.expect", AUTH_STATUSES) if "expect" in a else None,
        )

    def _start(self, raw: Any, path: str) -> Start:
        a = self.args(raw, path, {"connector", "id_tag", "meter_start_wh", "expect"})
        return Start(
            connector=self.int_(a.get("connector", 1), f"{path}.connector", 1),
            id_tag=self.text(a["id_tag"], f"{path}.id_tag", 20) if "id_tag" in a else None,
            meter_start_wh=self.int_(a["meter_start_wh"], f"{path}.meter_start_wh")
            if "meter_start_wh" in a
            else None,
            expect=self.choice(a["expect"], f"{path}.expect", AUTH_STATUSES) if "expect" in a else None,
        )

    def _meter(self, raw: Any, path: str) -> Meter:
        a = self.args(raw, path, {"every_s", "count", "power_kw", "connector"}, shorthand="count")
        return Meter(
            every_s=self.num(a["every_s"], f"{path}.every_s") if "every_s" in a else None,
            count=self.int_(a.get("count", 1), f"{path}.count", 1),
            power_kw=self.num(a["power_kw"], f"{path}.power_kw", positive=False) if "power_kw" in a else None,
            connector=self.int_(a.get("connector", 1), f"{path}.connector", 1),
        )

    def _stop(self, raw: Any, path: str) -> Stop:
        a = self.args(raw, path, {"reason", "connector", "meter_stop_wh"}, shorthand="reason")
        reasons = STOP_REASONS_16 if self.protocol == "ocpp1.6" else STOP_REASONS_201
        return Stop(
            reason=self.choice(a.get("reason", "Local"), f"{path}.reason", reasons),
            connector=self.int_(a.get("connector", 1), f"{path}.connector", 1),
            meter_stop_wh=self.int_(a["meter_stop_wh"], f"{path}.meter_stop_wh")
            if "meter_stop_wh" in a
            else None,
        )

    def _wait(self, raw: Any, path: str) -> Wait:
        a = self.args(raw, path, {"seconds"}, shorthand="seconds")
        if "seconds" not in a:
            raise self.fail(f"{path}.seconds", "required")
        return Wait(self.num(a["seconds"], f"{path}.seconds", positive=False))

    def _offline(self, raw: Any, path: str) -> Offline:
        a = self.args(raw, path, {"queue"}, shorthand="queue")
        queue = a.get("queue", True)
        if not isinstance(queue, bool):
            raise self.fail(f"{path}.queue", f"expected true or false, got {queue!r}")
        return Offline(queue)

    def _session(self, raw: Any, path: str) -> Session:
        a = self.args(raw, path, {"connector", "id_tag", "charge_s", "power_kw", "every_s"})
        return Session(
            connector=self.int_(a.get("connector", 1), f"{path}.connector", 1),
            id_tag=self.text(a["id_tag"], f"{path}.id_tag", 20) if "id_tag" in a else None,
            charge_s=self.num(a["charge_s"], f"{path}.charge_s") if "charge_s" in a else None,
            power_kw=self.num(a["power_kw"], f"{path}.power_kw", positive=False) if "power_kw" in a else None,
            every_s=self.num(a["every_s"], f"{path}.every_s") if "every_s" in a else None,
        )

    def _send(self, raw: Any, path: str) -> Send:
        a = self.args(raw, path, {"action", "payload"}, shorthand="action")
        action = self.text(a.get("action"), f"{path}.action", 50)
        payload = a.get("payload", {})
        if not isinstance(payload, dict):
            raise self.fail(f"{path}.payload", "expected a mapping (the message as on the wire, camelCase)")
        if action not in (STATION_CALLS_16 if self.protocol == "ocpp1.6" else STATION_CALLS_201):
            raise self.fail(
                f"{path}.action", f"{action!r} is not a station-initiated call of {self.protocol}"
            )
        return Send(action, payload)

    def _repeat(self, raw: Any, path: str) -> Repeat:
        a = self.args(raw, path, {"times", "steps"})
        return Repeat(
            times=self.int_(a.get("times"), f"{path}.times", 1),
            steps=self.steps(a.get("steps"), f"{path}.steps"),
        )


def parse_scenario(data: Any, protocol: str) -> Scenario:
    parser = _Parser(protocol)
    if isinstance(data, list):
        return Scenario(parser.steps(data, "steps"))
    if not isinstance(data, dict):
        raise ConfigError(
            "--scenario", "expected a list of steps or a mapping with `steps` and/or `stations`"
        )
    unknown = set(data) - {"steps", "stations"}
    if unknown:
        raise ConfigError(
            "--scenario", f"{sorted(map(str, unknown))[0]}: unknown key; allowed: stations, steps"
        )
    steps = parser.steps(data["steps"], "steps") if "steps" in data else ()
    per_station: dict[str, tuple[Step, ...]] = {}
    stations = data.get("stations") or {}
    if not isinstance(stations, dict):
        raise ConfigError("--scenario", "stations: expected a mapping `station id: [steps]`")
    for sid, raw in stations.items():
        per_station[str(sid)] = parser.steps(raw, f"stations.{sid}")
    if not steps and not per_station:
        raise ConfigError("--scenario", "steps: required")
    return Scenario(steps, per_station)


def load_scenario(path: Path, protocol: str) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise ConfigError("--scenario", f"cannot read {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError("--scenario", f"{path} is not valid YAML: {e}") from None
    return parse_scenario(data, protocol)
