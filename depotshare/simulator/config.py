"""What a simulation run is told: the CSMS address, the stations, their credentials and the
rhythm of their sessions. Built and checked once; picklable so worker processes get a copy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

PROTOCOLS = ("ocpp1.6", "ocpp2.0.1")
DEFAULT_TOKEN = "04A0B1C2D3E4F5"  # the demo depot's first charge card (examples/demo-depot.yaml)
_ID_RE = re.compile(r"^[A-Za-z0-9*_=+.:@-]{1,48}$")  # the OCPP identity characters a URL path keeps


class ConfigError(Exception):
    """A bad option or file: the CLI prints it and exits with code 2."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option
        self.message = message


@dataclass(frozen=True)
class SimConfig:
    url: str
    station_ids: tuple[str, ...]
    protocol: str = "ocpp1.6"
    passwords: dict[str, str] = field(default_factory=dict)
    tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    heartbeat_s: float | None = None  # None: the interval the CSMS returns at boot
    meter_interval_s: float = 10.0
    power_kw: float = 11.0
    duration_s: float = 60.0
    sessions: int = 1
    connectors: int = 1
    processes: int = 1
    # The station clock starts at the wall clock; energy, intervals and timestamps run `speed` times
    # faster, so above 1 the timestamps move ahead of the wall clock (sessions in the future).
    speed: float = 1.0
    ramp_s: float = 0.0  # spread the stations' first connection over this many seconds
    call_timeout_s: float = 30.0
    validate: bool = True  # JSON-schema validation of the simulator's own messages
    meter_start_wh: int = 0
    # The Local Authorization List: most entries held (1.6 LocalAuthListMaxLength, 2.0.1 Entries
    # maxLimit), entries per SendLocalList (SendLocalListMaxLength / ItemsPerMessage), and 2.0.1
    # BytesPerMessage. A SendLocalList beyond them is answered Failed, as a real station would.
    local_list_max: int = 10_000
    local_list_per_message: int = 500
    local_list_bytes: int = 65_536
    scenario: Any = None  # scenario.Scenario; Any keeps this module free of the step types

    def password_for(self, station_id: str) -> str | None:
        return self.passwords.get(station_id)

    def token_for(self, index: int) -> str:
        return self.tokens[index % len(self.tokens)]

    def station_url(self, station_id: str) -> str:
        return f"{self.url.rstrip('/')}/{station_id}"

    def with_ids(self, ids: tuple[str, ...]) -> SimConfig:
        return replace(self, station_ids=ids)


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ConfigError("--url", f"must start with ws:// or wss://, not {url!r}")
    if not parts.hostname:
        raise ConfigError("--url", f"has no host: {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError("--url", "must not carry a query or fragment; station ids are appended to its path")
    return url


def station_ids(stations: int | None, prefix: str, first: int, ids: str | None) -> tuple[str, ...]:
    if ids is not None:
        listed = tuple(i.strip() for i in ids.split(",") if i.strip())
        if not listed:
            raise ConfigError("--ids", "no station id given")
        for i in listed:
            if not _ID_RE.match(i):
                raise ConfigError("--ids", f"{i!r} is not a usable station identity")
        if len(set(listed)) != len(listed):
            raise ConfigError("--ids", "a station id is listed twice")
        if stations is not None and stations != len(listed):
            raise ConfigError("--stations", f"is {stations} but --ids lists {len(listed)} stations")
        return listed
    if stations is None:
        raise ConfigError("--stations", "required (or list the stations with --ids)")
    if stations < 1:
        raise ConfigError("--stations", f"must be at least 1, not {stations}")
    if first < 0:
        raise ConfigError("--first", f"must not be negative, not {first}")
    generated = tuple(f"{prefix}{i:03d}" for i in range(first, first + stations))
    if not _ID_RE.match(generated[0]):
        raise ConfigError("--id-prefix", f"{prefix!r} makes unusable station identities")
    return generated


def read_passwords(path: Path) -> dict[str, str]:
    """A YAML mapping `station id: password`, or an import file (locations[].stations[])."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise ConfigError("--passwords-file", f"cannot read {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError("--passwords-file", f"{path} is not valid YAML: {e}") from None
    if isinstance(data, dict) and "locations" in data:
        found: dict[str, str] = {}
        for loc in data.get("locations") or []:
            for st in (loc or {}).get("stations") or []:
                if isinstance(st, dict) and st.get("id") and st.get("password"):
                    found[str(st["id"])] = str(st["password"])
        return found
    if not isinstance(data, dict) or not all(isinstance(v, str | int) for v in data.values()):
        raise ConfigError("--passwords-file", f"{path}: expected a mapping `station id: password`")
    return {str(k): str(v) for k, v in data.items()}


def check_positive(option: str, value: float, *, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(option, f"must be {'zero or more' if allow_zero else 'positive'}, not {value:g}")


def build_config(
    *,
    url: str,
    stations: int | None,
    protocol: str,
    id_prefix: str,
    first: int,
    ids: str | None,
    password: str | None,
    passwords_file: Path | None,
    token: str | None,
    heartbeat: float | None,
    meter_interval: float,
    power_kw: float,
    duration: float | None,
    sessions: int,
    connectors: int,
    processes: int,
    scenario: Path | None,
    speed: float,
    ramp: float,
    call_timeout: float,
    meter_start: int,
    validate: bool,
    local_list_max: int = 10_000,
) -> SimConfig:
    """The command line as a SimConfig, or ConfigError naming the first bad option."""
    from depotshare.simulator.scenario import load_scenario

    proto = protocol if protocol.startswith("ocpp") else f"ocpp{protocol}"
    if proto not in PROTOCOLS:
        raise ConfigError("--protocol", f"must be ocpp1.6 or ocpp2.0.1, not {protocol!r}")
    check_url(url)
    sids = station_ids(stations, id_prefix, first, ids)
    for option, value, zero_ok in (
        ("--meter-interval", meter_interval, False),
        ("--power-kw", power_kw, True),
        ("--speed", speed, False),
        ("--ramp", ramp, True),
        ("--call-timeout", call_timeout, False),
        ("--meter-start", meter_start, True),
        ("--sessions", sessions, True),
        ("--connectors", connectors, False),
        ("--processes", processes, False),
        ("--local-list-max", local_list_max, True),
    ):
        check_positive(option, value, allow_zero=zero_ok)
    if heartbeat is not None:
        check_positive("--heartbeat", heartbeat)
    if duration is not None:
        check_positive("--duration", duration)
    if password is not None and passwords_file is not None:
        raise ConfigError("--password", "give either --password or --passwords-file, not both")
    passwords = read_passwords(passwords_file) if passwords_file else {i: password for i in sids if password}
    tokens = tuple(t.strip() for t in (token or DEFAULT_TOKEN).split(",") if t.strip())
    if not tokens or any(len(t) > 20 for t in tokens):
        raise ConfigError("--token", "give id tags of 1 to 20 characters, comma separated")
    plan = None
    if scenario is not None:
        plan = load_scenario(scenario, proto)
        missing = [i for i in sids if not plan.steps_for(i)]
        if missing:
            raise ConfigError("--scenario", f"no steps for station {missing[0]} (add `steps` or list it)")
    return SimConfig(
        url=url,
        station_ids=sids,
        protocol=proto,
        passwords=passwords,
        tokens=tokens,
        heartbeat_s=heartbeat,
        meter_interval_s=meter_interval,
        power_kw=power_kw,
        # A scenario's `hold` lasts until Ctrl-C unless --duration says otherwise.
        duration_s=duration if duration is not None else (0.0 if plan else 60.0),
        sessions=sessions,
        connectors=connectors,
        processes=min(processes, len(sids)),
        speed=speed,
        ramp_s=ramp,
        call_timeout_s=call_timeout,
        validate=validate,
        meter_start_wh=meter_start,
        local_list_max=local_list_max,
        scenario=plan,
    )
