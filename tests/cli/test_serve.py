"""`depotshare migrate` and `depotshare serve` on the embedded default, as `make run` does:
a real server process answering the OpenAPI docs and a login on one port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "depotshare"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_openapi_and_login(tmp_path: Path) -> None:
    env = {**os.environ, "DEPOTSHARE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"}
    admin = subprocess.run(
        [BIN, "create-admin", "ops@example.com", "--password", "operator-pass-1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert admin.returncode == 2  # no schema yet: create-admin needs `migrate` first, and says so
    assert "depotshare migrate" in admin.stderr
    subprocess.run([BIN, "migrate"], env=env, cwd=tmp_path, check=True, timeout=60)
    subprocess.run(
        [BIN, "create-admin", "ops@example.com", "--password", "operator-pass-1"],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [BIN, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                spec = httpx.get(f"{base}/api/v1/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
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
        assert me.json()["roles"] == [
            {"id": me.json()["roles"][0]["id"], "role": "platform_admin", "org": None}
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_forgets_connections_left_by_a_crashed_process(tmp_path: Path) -> None:
    """A station recorded as connected by a process that died is not shown online by the next one."""
    import sqlite3

    db = tmp_path / "crash.db"
    env = {**os.environ, "DEPOTSHARE_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    subprocess.run([BIN, "migrate"], env=env, cwd=tmp_path, check=True, timeout=60)
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
    port = _free_port()
    proc = subprocess.Popen(
        [BIN, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT connected FROM charging_stations WHERE id = 1").fetchone() == (0,)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
