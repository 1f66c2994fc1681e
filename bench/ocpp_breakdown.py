"""Where a message's CPU goes, for bench/ocpp_load.py: the gateway's own code in this process.

Drives one `V16Station` (the class the server uses) through `route_message` with a stand-in
connection, against the bench database the load test filled, and times the stages of a MeterValues
separately: parse, the library's jsonschema validation, key renaming, the service's unit of work
(SQL and commit through SQLAlchemy and asyncpg), the reply. CPU time of this process
(time.process_time) per message, so the figures leave out the time PostgreSQL itself takes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import ocpp_loadgen as lg
import orjson
from sqlalchemy import text

Op = Callable[[], Awaitable[Any]]


class _Connection:
    """What V16Station talks to instead of a websocket: replies are kept, nothing is read."""

    def __init__(self) -> None:
        self.out: list[str] = []

    async def send(self, text: str) -> None:
        self.out.append(text)

    async def recv(self) -> str:
        raise RuntimeError("not used")

    async def close(self, code: int = 1000, reason: str = "") -> None:
        pass


async def _per_call(op: Op, n: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per call after a short warm-up."""
    for _ in range(min(50, n)):
        await op()
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        await op()
    return (time.process_time() - c0) / n * 1e6, (time.perf_counter() - w0) / n * 1e6


async def breakdown(
    url: str, secret: str, station: str, id_tag: str, n: int
) -> list[tuple[str, float, float]]:
    from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
    from ocpp.messages import CallResult, validate_payload
    from ocpp.v16 import call_result

    from depotshare.config import Settings
    from depotshare.ocpp import errors
    from depotshare.ocpp import station as gateway_station
    from depotshare.ocpp.server import configure_library
    from depotshare.ocpp.v16 import V16Station, samples_of
    from depotshare.services.charging import recording as sessions
    from depotshare.services.runtime import Runtime
    from depotshare.services.sites import connected_stations as live

    configure_library()
    runtime = Runtime(Settings(database_url=url, secret_key=secret))
    rows: list[tuple[str, float, float]] = []
    try:
        async with runtime.uow() as uow:
            link = await live.admit(uow, station, None, "ocpp1.6", datetime.now(UTC))
        conn = _Connection()
        st = V16Station(link, conn, runtime)  # type: ignore[arg-type]
        seq = 0

        def frame(action: str, payload: dict[str, Any]) -> str:
            nonlocal seq
            seq += 1
            return orjson.dumps([2, f"b{seq}", action, payload]).decode()

        await st.route_message(frame("BootNotification", lg.boot_payload(station)))
        start = {"connectorId": 1, "idTag": id_tag, "meterStart": 1000, "timestamp": lg.stamp()}
        await st.route_message(frame("StartTransaction", start))
        reply = orjson.loads(conn.out[-1])
        if reply[0] != 3:
            raise RuntimeError(f"StartTransaction answered {reply}")
        tx = int(reply[2]["transactionId"])
        register = 1000

        def meter() -> dict[str, Any]:
            nonlocal register
            register += 3
            return lg.meter_values(1, tx, register, 11_000.0)

        sample = meter()

        async def whole_meter() -> None:
            await st.route_message(frame("MeterValues", meter()))

        async def whole_heartbeat() -> None:
            await st.route_message(frame("Heartbeat", {}))

        async def whole_status() -> None:
            await st.route_message(frame("StatusNotification", lg.status_payload(1, "Charging")))

        async def whole_authorize() -> None:
            await st.route_message(frame("Authorize", {"idTag": id_tag}))

        raw = frame("MeterValues", sample)

        async def parse() -> None:
            orjson.loads(raw)

        # The stages as the gateway runs them; an older --server-src falls back to the library's.
        to_snake = getattr(gateway_station, "to_snake", camel_to_snake_case)
        to_camel = getattr(gateway_station, "to_camel", snake_to_camel_case)
        validate_result = getattr(errors, "validate_result", validate_payload)
        compiled = hasattr(errors, "compiled_check")

        async def validate() -> None:
            errors.validate_call("MeterValues", sample, "1.6")

        async def rename() -> None:
            to_snake(sample)

        async def answer() -> None:
            result = CallResult("x", to_camel(remove_nones(serialize_as_dict(call_result.MeterValues()))))
            result.action = "MeterValues"
            await validate_result(result, "1.6")
            result.to_json()

        async def service() -> None:
            q = to_snake(meter())
            samples = samples_of(q["meter_value"], "meterValue")
            await st.service(
                sessions.meter_values, link.pk, samples, transaction_id=str(tx), evse_id=1, connector_id=1
            )

        async def empty_uow() -> None:
            async with runtime.uow() as uow:
                await uow.session.connection()  # checkout (and the pool's ping, if any), BEGIN
                await uow.commit()

        async def select_one() -> None:
            async with runtime.uow() as uow:
                await uow.session.execute(text("SELECT 1"))
                await uow.commit()

        cases: list[tuple[str, Op]] = [
            (f"MeterValues ({len(raw):,} bytes), the whole handler", whole_meter),
            ("  parse (orjson)", parse),
            (
                "  schema validation " + ("(compiled, fastjsonschema)" if compiled else "(jsonschema)"),
                validate,
            ),
            ("  camelCase -> snake_case keys", rename),
            ("  service: find session, last register, insert, commit", service),
            ("  reply: build, validate, serialise", answer),
            ("Heartbeat, the whole handler", whole_heartbeat),
            ("StatusNotification, the whole handler", whole_status),
            ("Authorize, the whole handler", whole_authorize),
            ("unit of work: connection checkout + BEGIN + COMMIT", empty_uow),
            ("unit of work: SELECT 1 + COMMIT", select_one),
        ]
        for label, op in cases:
            cpu_us, wall_us = await _per_call(op, n)
            rows.append((label, cpu_us, wall_us))
        await st.route_message(
            frame(
                "StopTransaction",
                {"transactionId": tx, "meterStop": register + 10, "timestamp": lg.stamp(), "reason": "Local"},
            )
        )
    finally:
        await runtime.close()
    return rows


def run_breakdown(url: str, secret: str, station: str, id_tag: str, n: int) -> list[tuple[str, float, float]]:
    loop = lg.new_loop()
    try:
        return loop.run_until_complete(breakdown(url, secret, station, id_tag, n))
    finally:
        loop.close()


def main() -> None:
    """Only this phase, against a bench database a run of ocpp_load.py has filled:
    `.venv/bin/python bench/ocpp_breakdown.py [--server-src DIR] [--n 300]`."""
    import argparse
    import sys
    from pathlib import Path

    import ocpp_load

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--url", default=ocpp_load.DEFAULT_URL)
    p.add_argument("--server-src", type=Path, default=Path(__file__).resolve().parent.parent)
    p.add_argument("--stations", type=int, default=500, help="stations the database was filled with")
    p.add_argument("--n", type=int, default=300)
    args = p.parse_args()
    ocpp_load.check_bench_database(args.url)
    sys.path.insert(0, str(args.server_src.resolve()))
    rows = run_breakdown(
        args.url,
        ocpp_load.SECRET,
        ocpp_load.station_id(args.stations),
        ocpp_load.token_uid(args.stations),
        args.n,
    )
    print(f"{'':<58} {'CPU us':>8} {'wall us':>8}")
    for label, cpu_us, wall_us in rows:
        print(f"{label:<58} {cpu_us:8.0f} {wall_us:8.0f}")


if __name__ == "__main__":
    main()
