"""`depotshare migrate` and `depotshare serve` on the embedded default, as `make run` does:
a real server process answering the OpenAPI docs and a login on one port. One served process,
started once for the module, answers every test's questions: starting one costs seconds of CPU."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent / "depotshare"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "DEPOTSHARE_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}


def _record_a_crashed_connection(db: Path) -> None:
    """A station recorded as connected by a process that died without saying so."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO organisations (id, key, name, path, depth, created_at) VALUES (1, 'o', 'O', '/1/', 0, '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO locations (id, org_id, key, name, timezone, publish, is_home, created_at) "
            "VALUES (1, 1, 'l', 'L', 'UTC', 0, 0, '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO charging_stations (id, location_id, ocpp_id, registration_status, connected, created_at) "
            "VALUES (1, 1, 'CRASHED-1', 'accepted', 1, '2026-01-01')"
        )


@dataclass(frozen=True)
class Served:
    base: str  # the server's URL
    db: Path  # its database file


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`make run`'s steps on a fresh embedded database: migrate, create-admin, serve. Before it
    serves, the database holds a station left connected by a process that crashed."""
    tmp = tmp_path_factory.mktemp("serve")
    db, env = tmp / "serve.db", _env(tmp / "serve.db")
    subprocess.run([BIN, "migrate"], env=env, cwd=tmp, check=True, timeout=60)
    subprocess.run(
        [BIN, "create-admin", "ops@example.com", "--password", "operator-pass-1"],
        env=env,
        cwd=tmp,
        check=True,
        timeout=60,
    )
    _record_a_crashed_connection(db)
    port = _free_port()
    log = tmp / "serve.log"
    with log.open("wb") as output:
        proc = subprocess.Popen(
            [BIN, "serve", "--port", str(port)], env=env, cwd=tmp, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        yield Served(base, db)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_serve_answers_openapi_and_login(tmp_path: Path, served: Served) -> None:
    admin = subprocess.run(
        [BIN, "create-admin", "ops@example.com", "--password", "operator-pass-1"],
        env=_env(tmp_path / "fresh.db"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert admin.returncode == 2  # no schema yet: create-admin needs `migrate` first, and says so
    assert "depotshare migrate" in admin.stderr
    base = served.base
    spec = httpx.get(f"{base}/api/v1/openapi.json", timeout=10)
    assert spec.status_code == 200
    assert "/api/v1/auth/token" in spec.json()["paths"]
    assert httpx.get(f"{base}/api/v1/docs").status_code == 200
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "ops@example.com", "password": "operator-pass-1"}
    )
    assert token.status_code == 200
    me = httpx.get(
        f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["roles"] == [{"id": me.json()["roles"][0]["id"], "role": "platform_admin", "org": None}]


def test_serve_forgets_connections_left_by_a_crashed_process(served: Served) -> None:
    """A station recorded as connected by a process that died is not shown online by the next one."""
    assert httpx.get(f"{served.base}/healthz", timeout=2).status_code == 200
    with sqlite3.connect(served.db) as conn:
        assert conn.execute("SELECT connected FROM charging_stations WHERE id = 1").fetchone() == (0,)
