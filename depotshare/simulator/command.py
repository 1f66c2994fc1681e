"""`depotshare simulate`: options checked up front (a bad one exits 2 naming it), then the run,
then the summary. Exit 0 when every station booted and nothing went wrong, 1 otherwise, 130 when
interrupted. Heavy imports wait until the command runs so `depotshare --help` stays quick."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def simulate(
    url: Annotated[
        str, typer.Option(help="CSMS OCPP endpoint; station ids are appended")
    ] = "ws://127.0.0.1:8000/ocpp",
    stations: Annotated[int | None, typer.Option(help="number of stations (ids PREFIX001, ...)")] = None,
    protocol: Annotated[str, typer.Option(help="ocpp1.6 or ocpp2.0.1")] = "ocpp1.6",
    id_prefix: Annotated[str, typer.Option(help="station id prefix")] = "SIM-",
    first: Annotated[int, typer.Option(help="number of the first station")] = 1,
    ids: Annotated[str | None, typer.Option(help="explicit station ids, comma separated")] = None,
    password: Annotated[str | None, typer.Option(help="HTTP Basic password of every station")] = None,
    passwords_file: Annotated[
        Path | None, typer.Option(help="YAML `id: password` mapping, or an import file with stations")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="id tag(s) to charge with, comma separated, round robin")
    ] = None,
    heartbeat: Annotated[
        float | None, typer.Option(help="heartbeat seconds (default: what the CSMS says)")
    ] = None,
    meter_interval: Annotated[float, typer.Option(help="seconds between MeterValues")] = 10.0,
    power_kw: Annotated[float, typer.Option(help="charging power")] = 11.0,
    duration: Annotated[
        float | None,
        typer.Option(
            help="seconds each station runs; sessions share it (default 60; scenario: its steps, a `hold` until Ctrl-C)"
        ),
    ] = None,
    sessions: Annotated[int, typer.Option(help="sessions per station")] = 1,
    connectors: Annotated[int, typer.Option(help="connectors (2.0.1: EVSEs) per station")] = 1,
    processes: Annotated[int, typer.Option(help="worker processes sharing the stations")] = 1,
    scenario: Annotated[Path | None, typer.Option(help="YAML scenario file (docs/simulator.md)")] = None,
    speed: Annotated[
        float,
        typer.Option(
            help="station clock speed-up: energy, intervals and timestamps run this many times faster,"
            " so timestamps run ahead of the wall clock (into the future); 1: real time"
        ),
    ] = 1.0,
    ramp: Annotated[float, typer.Option(help="spread the first connections over this many seconds")] = 0.0,
    call_timeout: Annotated[float, typer.Option(help="seconds to wait for each answer")] = 30.0,
    meter_start: Annotated[int, typer.Option(help="energy register at the start, Wh")] = 0,
    local_list_max: Annotated[
        int, typer.Option(help="entries the Local Authorization List holds (LocalAuthListMaxLength)")
    ] = 10_000,
    validate: Annotated[
        bool, typer.Option("--validate/--no-validate", help="schema-check own messages")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Simulate charge points: boot, heartbeat, status, sessions with meter values, remote commands."""
    from depotshare.simulator.config import ConfigError, build_config

    try:
        cfg = build_config(
            url=url,
            stations=stations,
            protocol=protocol,
            id_prefix=id_prefix,
            first=first,
            ids=ids,
            password=password,
            passwords_file=passwords_file,
            token=token,
            heartbeat=heartbeat,
            meter_interval=meter_interval,
            power_kw=power_kw,
            duration=duration,
            sessions=sessions,
            connectors=connectors,
            processes=processes,
            scenario=scenario,
            speed=speed,
            ramp=ramp,
            call_timeout=call_timeout,
            meter_start=meter_start,
            validate=validate,
            local_list_max=local_list_max,
        )
    except ConfigError as e:
        _fail(str(e))
        return
    from depotshare.simulator.runner import run

    typer.echo(
        f"simulating {len(cfg.station_ids)} {cfg.protocol} station(s) against {cfg.url}"
        + (f" in {cfg.processes} processes" if cfg.processes > 1 else ""),
        err=True,
    )
    stats, elapsed = run(cfg)
    if as_json:
        sys.stdout.write(json.dumps(stats.as_dict(elapsed), indent=2) + "\n")
    else:
        typer.echo(stats.render(elapsed))
    raise typer.Exit(130 if stats.interrupted else 0 if stats.ok else 1)
