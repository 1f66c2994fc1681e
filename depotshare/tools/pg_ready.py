"""Exit 0 when the PostgreSQL server of a database URL accepts connections (used by the Makefile)."""

from __future__ import annotations

import asyncio
import sys

import asyncpg


async def _ready(url: str) -> bool:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_ready(sys.argv[1])) else 1)
