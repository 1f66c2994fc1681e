"""Import examples/demo-depot.yaml twice into a fresh SQLite database at the production argon2
cost and print both wall times: the second import (nothing changed) is the one a user repeats.
Each import runs `depotshare import` in a subprocess, as a user does: start-up included."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=ROOT / "examples" / "demo-depot.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        env = {
            **os.environ,
            "DEPOTSHARE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "DEPOTSHARE_SECRET_KEY": "import-bench-secret-key-long-enough-for-hs256",
            # the production cost (the settings' defaults), whatever the caller's environment says
            "DEPOTSHARE_ARGON2_TIME_COST": "3",
            "DEPOTSHARE_ARGON2_MEMORY_KIB": "65536",
        }
        command = [sys.executable, "-m", "depotshare.cli"]
        subprocess.run([*command, "migrate"], env=env, check=True, capture_output=True, cwd=tmp)
        for label in ("first import (creates)", "second import (unchanged)"):
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "import", str(args.file)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            elapsed = time.perf_counter() - started
            print(f"{label:28} {elapsed:6.2f} s   {done.stdout.splitlines()[0]}")


if __name__ == "__main__":
    main()
