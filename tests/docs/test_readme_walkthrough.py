"""The README walkthrough, run as a new user runs it: the shell commands of README.md's
`## Walkthrough` section (its ```sh blocks, read from the file, so the test breaks when the README
drifts) against a server started the way `make run DEMO=1` starts it (migrate, import the demo,
serve) on a temporary SQLite file and a free port; each command in bash, in order, with a timeout,
and its output checked against what the README says it shows."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.paths import REPO

ROOT = REPO
BIN = ROOT / ".venv" / "bin" / "depotshare"
README_ADDRESS = "127.0.0.1:8000"
COMMAND_TIMEOUT_S = 60.0
SIMULATE_TIMEOUT_S = 180.0  # the demo scenario charges for about a minute of real time
ADMIN_PASSWORD = "walkthrough-admin-1"

INTERNAL_CARD, PARTNER_CARD, LOST_CARD = "04A0B1C2D3E4F5", "5A1F7001", "5A1F7002"
NORDLOG_CARDS = {INTERNAL_CARD, "04A0B1C2D3E4F6"}


# --- reading the README ------------------------------------------------------------------------


def walkthrough_commands(readme: str) -> list[str]:
    """The commands of the ```sh blocks between `## Walkthrough` and the next `## ` heading; a
    line ending in a backslash continues on the next; comment lines are dropped."""
    match = re.search(r"^## Walkthrough\n(.*?)(?=^## )", readme, re.S | re.M)
    assert match, "README.md has no `## Walkthrough` section"
    commands: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", match.group(1), re.S | re.M):
        pending = ""
        for line in block.splitlines():
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            pending += line + "\n"
            if not line.endswith("\\"):
                commands.append(pending.strip())
                pending = ""
        assert not pending, f"a ```sh block of the walkthrough ends in a continuation: {pending!r}"
    return commands


def make_run_recipe() -> str:
    """The Makefile's `run` recipe, which the test mirrors when it starts the server."""
    match = re.search(r"^run:.*\n((?:\t.*\n|ifdef.*\n|endif.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert match, "Makefile has no `run` target"
    return match.group(1)


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _step(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run([str(BIN), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (
        f"depotshare {' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    )


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`make run DEMO=1` on a temporary database: migrate, import the demo, serve; yields the
    address, the environment the commands run in and their working directory. The working
    directory mirrors the repository's root (`.venv`, `examples`) so what the commands write
    (`backup.yaml`) stays out of the repository."""
    recipe = make_run_recipe()
    for part in ("depotshare migrate", "depotshare import examples/demo-depot.yaml", "depotshare serve"):
        assert part in recipe, f"`make run DEMO=1` no longer runs `{part}`; update this test"
    work = tmp_path / "repo"
    work.mkdir()
    for name in (".venv", "examples"):
        (work / name).symlink_to(ROOT / name)
    env = {
        **os.environ,
        "DEPOTSHARE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'depotshare.db'}",
        "DEPOTSHARE_SECRET_KEY": "readme-walkthrough-secret-key-long-enough-for-hs256",
    }
    _step(["migrate"], env, work)
    _step(["import", "examples/demo-depot.yaml"], env, work)
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        address = f"127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://{address}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, f"the server exited with {server.returncode}"
            assert time.monotonic() < deadline, "the server did not answer /healthz within 60 s"
            time.sleep(0.2)
        yield address, env, work
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        # pytest shows this with a failure's report (captured stdout)
        print(f"--- server log ({log}) ---\n{log.read_text(errors='replace')}")


# --- the expected outputs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    command: str
    stdout: str
    stderr: str
    began: datetime  # when the walkthrough's first command ran
    work: Path

    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except ValueError:
            raise AssertionError(f"not JSON:\n{self.stdout}\n{self.stderr}") from None


def _not_in_future(when: str, earliest: datetime) -> None:
    at = datetime.fromisoformat(when.replace("Z", "+00:00"))
    now = datetime.now(UTC)
    assert at <= now + timedelta(seconds=2), f"timestamp {when} is in the future (now {now.isoformat()})"
    assert at >= earliest - timedelta(seconds=2), f"timestamp {when} is before the walkthrough ran"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _strings(item)


def organisations(ran: Ran) -> None:
    assert {o["key"] for o in ran.json()["items"]} == {"nordlog", "nordlog-fleet"}


def tokens(ran: Ran) -> None:
    assert {t["uid"] for t in ran.json()["items"]} == NORDLOG_CARDS


def simulation(ran: Ran) -> None:
    assert re.search(r"^sessions\b.*\b2 done\b", ran.stdout, re.M), ran.stdout


def depot_sessions(ran: Ran) -> None:
    by_token = {s["token"]: s for s in ran.json()["items"]}
    assert set(by_token) == {INTERNAL_CARD, PARTNER_CARD}, by_token
    internal, partner = by_token[INTERNAL_CARD], by_token[PARTNER_CARD]
    assert (internal["station"], internal["cost_centre"]) == ("DEPOT-01", "NL-100")
    assert internal["auth_reason"] == "token of the station owner's organisation"
    assert (partner["station"], partner["token_org"]) == ("DEPOT-02", "swift-transport")
    # by day the any-time grant at DEPOT-02; at night and at weekends the depot-wide one (more power)
    assert partner["auth_reason"] in ("grant swift-ac", "grant swift-nights")
    for s in (internal, partner):
        assert s["state"] == "completed" and s["energy_wh"] > 0, s
        _not_in_future(s["started_at"], ran.began)
        _not_in_future(s["stopped_at"], ran.began)


def partner_sessions(ran: Ran) -> None:
    (only,) = ran.json()["items"]
    assert (only["token"], only["employee"], only["cost_centre"]) == (PARTNER_CARD, "sw-001", "SW-1")
    assert only["energy_wh"] > 0


def refusals(ran: Ran) -> None:
    (only,) = ran.json()["items"]
    assert (only["id_token"], only["station"]) == (LOST_CARD, "DEPOT-02")
    assert (only["decision"], only["accepted"], only["reason"]) == ("Blocked", False, "token is blocked")


def local_list(ran: Ran) -> None:
    body = ran.json()
    assert (body["station"], body["state"]) == ("DEPOT-02", "in_sync"), body
    entries = body["entries"]
    assert (entries if isinstance(entries, int) else len(entries)) == 3, body
    # Where the list names its cards: the two Nordlog cards and Swift's active one, never the lost one.
    listed = set(_strings(body)) & (NORDLOG_CARDS | {PARTNER_CARD, LOST_CARD})
    if listed or not isinstance(entries, int):
        assert listed == NORDLOG_CARDS | {PARTNER_CARD}, body


def listed_cards(ran: Ran) -> None:
    uids = {entry["uid"] for entry in ran.json()["items"]}
    assert uids == NORDLOG_CARDS | {PARTNER_CARD}, ran.stdout  # never the lost card


def verify(ran: Ran) -> None:
    assert "0 broken" in ran.stdout, ran.stdout


def admin_created(ran: Ran) -> None:
    assert "platform admin ops@example.com" in ran.stdout, ran.stdout


def imported(ran: Ran) -> None:
    assert ran.stdout.startswith("imported case-a-logistics.yaml"), ran.stdout


def exported(ran: Ran) -> None:
    data = yaml.safe_load((ran.work / "backup.yaml").read_text())
    assert {"nordlog", "nordwind"} <= {o["key"] for o in data["organisations"]}


# What each command shows, found by a piece of it; every piece must match exactly one command.
CHECKS: dict[str, Callable[[Ran], None]] = {
    "/api/v1/organisations": organisations,
    "/api/v1/tokens?org=nordlog": tokens,
    "depotshare simulate": simulation,
    'Bearer $ADMIN" http://127.0.0.1:8000/api/v1/sessions': depot_sessions,
    'Bearer $SWIFT" http://127.0.0.1:8000/api/v1/sessions': partner_sessions,
    "access-decisions?location=depot-waltershof&result=refused": refusals,
    "/api/v1/stations/DEPOT-02/local-list |": local_list,
    "/api/v1/stations/DEPOT-02/local-list/entries": listed_cards,
    "depotshare access verify": verify,
    "depotshare create-admin ops@example.com": admin_created,
    "depotshare import examples/case-a-logistics.yaml": imported,
    "depotshare export -o backup.yaml": exported,
}


# --- the walkthrough ---------------------------------------------------------------------------


def test_readme_walkthrough(demo_server: tuple[str, dict[str, str], Path]) -> None:
    address, env, work = demo_server
    commands = walkthrough_commands((ROOT / "README.md").read_text())
    assert commands[0].startswith("make run DEMO=1"), commands[0]  # the fixture's server
    for piece in CHECKS:
        found = [c for c in commands if piece in c]
        assert len(found) == 1, f"README walkthrough: {len(found)} commands contain {piece!r}"
    (simulate,) = [c for c in commands if "depotshare simulate" in c]
    assert f"--url ws://{README_ADDRESS}/ocpp" in simulate, simulate
    assert "--speed" not in simulate, "--speed stamps the sessions in the future"

    began = datetime.now(UTC)
    variables: dict[str, str] = {}
    for command in commands[1:]:
        assigned = re.match(r"^([A-Z_]+)=\$\(", command)
        script = command.replace(README_ADDRESS, address)
        if assigned:  # TOKEN=$(curl ...): the next commands see it, as in one shell
            script += f'\nprintf %s "${assigned.group(1)}"'
        t0 = time.monotonic()
        ran = _run(command, script, {**env, **variables}, Ran(command, "", "", began, work))
        print(f"{time.monotonic() - t0:6.1f} s  {command.splitlines()[0]}")
        if assigned:
            assert ran.stdout, f"{assigned.group(1)} is empty after:\n{command}\n{ran.stderr}"
            variables[assigned.group(1)] = ran.stdout
        for piece, check in CHECKS.items():
            if piece in command:
                check(ran)


def _run(command: str, script: str, env: dict[str, str], ran: Ran) -> Ran:
    timeout = SIMULATE_TIMEOUT_S if "depotshare simulate" in command else COMMAND_TIMEOUT_S
    # create-admin asks for the password twice; in a session of its own (no terminal) it reads stdin
    stdin = f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n" if "create-admin" in command else ""
    with subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", script],
        env=env,
        cwd=ran.work,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            stdout, stderr = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # bash and what it started (the simulator)
            stdout, stderr = proc.communicate()
            raise AssertionError(
                f"did not end within {timeout:g} s:\n{command}\n{stdout}\n{stderr}"
            ) from None
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{command}\n{stdout}\n{stderr}"
    return replace(ran, stdout=stdout, stderr=stderr)
