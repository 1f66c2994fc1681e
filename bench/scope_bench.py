"""Scope resolution and first-page listing at scale on PostgreSQL. Prints figures; not a test.

Requirement: with 10,000 organisations (depth 8), 100,000 tokens and 50,000 users, resolving a
user's scope and listing the first page of tokens of a holding-level Fleet Manager each take
under 50 ms median. The script drops and recreates the public schema of the bench database,
migrates it, bulk-loads a synthetic forest, then times the project's own services and the HTTP
path through the real app. See bench/README.md.

    python bench/scope_bench.py [--url postgresql+asyncpg://root@127.0.0.1:5432/test_bench]
        [--orgs 10000] [--depth 8] [--tokens 100000] [--users 50000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine.url import make_url

import depotshare
from depotshare.api.app import create_app
from depotshare.config import Settings, get_settings
from depotshare.domain.common.actor import Actor
from depotshare.domain.fleet.tokens import TokenType, normalise_uid
from depotshare.domain.orgs import tree
from depotshare.domain.orgs.roles import PLATFORM_ROLES, Role
from depotshare.services.fleet import tokens
from depotshare.services.orgs import auth, security
from depotshare.services.orgs import organisations as orgs
from depotshare.services.runtime import Runtime
from depotshare.store.orgs.models import User

DEFAULT_URL = os.environ.get(
    "DEPOTSHARE_BENCH_DATABASE_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test_bench"
)
TARGET_MS = 50.0
PAGE = 50
DEEP_PAGES = 20  # the deep-page case follows next_cursor this many times
TENANT_ROLES = [r for r in Role if r not in PLATFORM_ROLES]
HOLDING_FM_ID = 1  # fleet_manager on the root of the large holding
LEAF_FM_ID = 2  # fleet_manager on one leaf organisation (a few tokens): the selective extreme

Records = list[tuple[Any, ...]]  # rows for COPY, in the column order given to it


# ---------------------------------------------------------------- synthetic data


@dataclass
class Forest:
    """Organisations as COPY records, plus the two places the named users are assigned."""

    records: Records = field(default_factory=list)
    paths: dict[int, str] = field(default_factory=dict)
    big_root: int = 0
    leaf: int = 0


def level_sizes(total: int, depth: int) -> list[int]:
    """Widths of levels 0..depth of one holding, each about r times the one above, summing to total."""
    if total <= depth + 1:
        return [1] * total
    lo, hi = 1.0, float(total)
    for _ in range(60):
        r = (lo + hi) / 2
        lo, hi = (r, hi) if sum(r**k for k in range(depth + 1)) < total else (lo, r)
    sizes = [1] + [max(1, round(lo**k)) for k in range(1, depth + 1)]
    sizes[-1] += total - sum(sizes)
    if sizes[-1] < 1:
        raise ValueError(f"cannot shape {total} organisations into depth {depth}")
    return sizes


def holding_sizes(n_orgs: int, holdings: int, big_share: float) -> list[int]:
    big = round(n_orgs * big_share) if holdings > 1 else n_orgs
    rest = n_orgs - big
    small = [rest // (holdings - 1) + (1 if i < rest % (holdings - 1) else 0) for i in range(holdings - 1)]
    return [big, *small]


def build_forest(
    n_orgs: int, depth: int, holdings: int, big_share: float, rng: random.Random, now: datetime
) -> Forest:
    """Each holding a tree whose deepest organisations have depth `depth` (roots have 0).

    Ids are handed out level by level in random order across holdings: parents exist before
    their children, and holdings interleave as if onboarded over time."""
    nodes: list[tuple[int, int, int | None]] = []  # (holding, level, parent node)
    for h, size in enumerate(holding_sizes(n_orgs, holdings, big_share)):
        above: list[int] = []
        for level, width in enumerate(level_sizes(size, depth)):
            this = list(range(len(nodes), len(nodes) + width))
            nodes += [(h, level, rng.choice(above) if above else None) for _ in this]
            above = this
    order = sorted(range(len(nodes)), key=lambda i: (nodes[i][1], rng.random()))
    id_of = {node: rank + 1 for rank, node in enumerate(order)}
    forest = Forest()
    for node in order:
        h, _, parent = nodes[node]
        org_id, parent_id = id_of[node], (id_of[parent] if parent is not None else None)
        path = tree.path_of(forest.paths[parent_id] if parent_id else None, org_id)
        forest.paths[org_id] = path
        forest.records.append(
            (org_id, f"org-{org_id}", f"Organisation {org_id}", parent_id, path, tree.depth_of(path), now)
        )
        if h == 0 and parent_id is None:
            forest.big_root = org_id
        if h == holdings - 1 and tree.depth_of(path) == depth:
            forest.leaf = org_id
    return forest


@dataclass
class Fleet:
    """What tokens refer to, so a page of tokens resolves employee, vehicle and cost-centre keys
    as it would in production: one cost centre per organisation, employees and vehicles spread out."""

    cost_centres: Records = field(default_factory=list)
    employees: Records = field(default_factory=list)
    vehicles: Records = field(default_factory=list)
    employees_of: dict[int, list[int]] = field(default_factory=dict)
    vehicles_of: dict[int, list[int]] = field(default_factory=dict)


def fleet_records(n_orgs: int, n_employees: int, n_vehicles: int, rng: random.Random, now: datetime) -> Fleet:
    fleet = Fleet()
    fleet.cost_centres = [(o, o, f"CC-{o}", f"Cost centre {o}", now) for o in range(1, n_orgs + 1)]
    for i in range(1, n_employees + 1):
        org = rng.randint(1, n_orgs)
        fleet.employees.append((i, org, f"emp-{i}", f"Employee {i}", org, now))
        fleet.employees_of.setdefault(org, []).append(i)
    for i in range(1, n_vehicles + 1):
        org = rng.randint(1, n_orgs)
        fleet.vehicles.append((i, org, f"veh-{i}", f"B-DS {i}", now))
        fleet.vehicles_of.setdefault(org, []).append(i)
    return fleet


TOKEN_COLUMNS = [
    "id",
    "org_id",
    "uid",
    "type",
    "status",
    "label",
    "employee_id",
    "vehicle_id",
    "cost_centre_id",
    "created_at",
]


def token_records(n: int, n_orgs: int, fleet: Fleet, rng: random.Random, now: datetime) -> Records:
    """Active RFID cards with canonical uids; most name an employee of their organisation, some a
    vehicle, half a cost centre."""
    seen: set[str] = set()
    out: Records = []
    while len(out) < n:
        uid = normalise_uid(f"{rng.getrandbits(56):014x}", TokenType.RFID)  # 7-byte card uid
        if uid in seen:
            continue
        seen.add(uid)
        i, org = len(out) + 1, rng.randint(1, n_orgs)
        employees, vehicles = fleet.employees_of.get(org), fleet.vehicles_of.get(org)
        employee = rng.choice(employees) if employees and rng.random() < 0.8 else None
        vehicle = rng.choice(vehicles) if vehicles and rng.random() < 0.3 else None
        cost_centre = org if rng.random() < 0.5 else None
        out.append((i, org, uid, "RFID", "active", f"Card {i}", employee, vehicle, cost_centre, now))
    return out


def user_records(
    n_random: int, forest: Forest, password_hash: str, rng: random.Random, now: datetime
) -> tuple[Records, Records]:
    users = [
        (HOLDING_FM_ID, "holding.fm@bench.example", "Holding Fleet Manager", password_hash, True, now),
        (LEAF_FM_ID, "leaf.fm@bench.example", "Leaf Fleet Manager", password_hash, True, now),
    ]
    grants = {(HOLDING_FM_ID, forest.big_root, "fleet_manager"), (LEAF_FM_ID, forest.leaf, "fleet_manager")}
    n_orgs = len(forest.records)
    for uid in range(LEAF_FM_ID + 1, LEAF_FM_ID + 1 + n_random):
        users.append((uid, f"user{uid}@bench.example", f"User {uid}", password_hash, True, now))
        for _ in range(rng.randint(1, 3)):
            grants.add((uid, rng.randint(1, n_orgs), rng.choice(TENANT_ROLES).value))
    roles = [(i, *g) for i, g in enumerate(sorted(grants), start=1)]
    return users, roles


# ---------------------------------------------------------------- loading


def check_bench_database(url: str) -> None:
    name = make_url(url).database or ""
    if make_url(url).get_backend_name() != "postgresql" or "bench" not in name:
        raise SystemExit(f"refusing to drop the schema of {name!r}: use a PostgreSQL database named *bench*")


async def reset_and_migrate(runtime: Runtime) -> None:
    async with runtime.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await runtime.migrate()


async def copy_rows(runtime: Runtime, tables: Sequence[tuple[str, list[str], Records]]) -> None:
    async with runtime.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        for table, columns, records in tables:
            await pg.copy_records_to_table(table, records=records, columns=columns)
            await pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        await pg.execute("VACUUM (ANALYZE)")


async def load(runtime: Runtime, args: argparse.Namespace) -> Forest:
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    await reset_and_migrate(runtime)
    t1 = time.perf_counter()
    password_hash = security.hash_password("bench-password")  # one hash, shared by every user
    forest = build_forest(args.orgs, args.depth, args.holdings, args.big_share, rng, now)
    fleet = fleet_records(args.orgs, args.employees, args.vehicles, rng, now)
    tokens = token_records(args.tokens, args.orgs, fleet, rng, now)
    users, roles = user_records(args.users, forest, password_hash, rng, now)
    t2 = time.perf_counter()
    await copy_rows(
        runtime,
        [
            (
                "organisations",
                ["id", "key", "name", "parent_id", "path", "depth", "created_at"],
                forest.records,
            ),
            ("cost_centres", ["id", "org_id", "code", "name", "created_at"], fleet.cost_centres),
            ("employees", ["id", "org_id", "key", "name", "cost_centre_id", "created_at"], fleet.employees),
            ("vehicles", ["id", "org_id", "key", "plate", "created_at"], fleet.vehicles),
            ("tokens", TOKEN_COLUMNS, tokens),
            ("users", ["id", "email", "name", "password_hash", "is_active", "created_at"], users),
            ("role_assignments", ["id", "user_id", "org_id", "role"], roles),
        ],
    )
    t3 = time.perf_counter()
    print(
        f"load: schema+migrate {t1 - t0:.1f} s, generate {t2 - t1:.1f} s, "
        f"COPY+VACUUM ANALYZE {t3 - t2:.1f} s, total {t3 - t0:.1f} s"
    )
    return forest


async def describe_data(runtime: Runtime, forest: Forest) -> None:
    big = forest.paths[forest.big_root]
    queries = {
        "organisations": "SELECT count(*) FROM organisations",
        "max depth": "SELECT max(depth) FROM organisations",
        "holdings (roots)": "SELECT count(*) FROM organisations WHERE parent_id IS NULL",
        "tokens": "SELECT count(*) FROM tokens",
        "  with an employee": "SELECT count(employee_id) FROM tokens",
        "  with a vehicle": "SELECT count(vehicle_id) FROM tokens",
        "  with a cost centre": "SELECT count(cost_centre_id) FROM tokens",
        "employees": "SELECT count(*) FROM employees",
        "vehicles": "SELECT count(*) FROM vehicles",
        "cost centres": "SELECT count(*) FROM cost_centres",
        "users": "SELECT count(*) FROM users",
        "role assignments": "SELECT count(*) FROM role_assignments",
        "orgs in large holding": f"SELECT count(*) FROM organisations WHERE path LIKE '{big}%'",
        "tokens in large holding": "SELECT count(*) FROM tokens t JOIN organisations o ON o.id = t.org_id "
        f"WHERE o.path LIKE '{big}%'",
        "tokens of the leaf org": f"SELECT count(*) FROM tokens WHERE org_id = {forest.leaf}",
    }
    async with runtime.engine.connect() as conn:
        for label, sql in queries.items():
            print(f"  {label:<26} {(await conn.execute(text(sql))).scalar_one():>9,}")
        per_depth = await conn.execute(
            text("SELECT depth, count(*) FROM organisations GROUP BY 1 ORDER BY 1")
        )
        print("  orgs per depth             " + ", ".join(f"{d}: {n}" for d, n in per_depth))
    print(f"  large holding root          {big}  (holding fleet manager = user {HOLDING_FM_ID})")
    print(
        f"  leaf organisation           {forest.paths[forest.leaf]}  (leaf fleet manager = user {LEAF_FM_ID})"
    )


# ---------------------------------------------------------------- timing


@dataclass
class Result:
    name: str
    samples: list[float]
    target: bool  # the requirement applies to this case

    def quantile(self, q: float) -> float:
        s = sorted(self.samples)
        return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]

    def row(self) -> str:
        med = self.quantile(0.5)
        verdict = ("PASS" if med < TARGET_MS else "FAIL") if self.target else "(info)"
        figures = " ".join(f"{self.quantile(q):7.2f}" for q in (0.5, 0.9, 0.99, 1.0))
        return f"{self.name:<52} {len(self.samples):>4} {figures}  {verdict}"


Op = Callable[[int], Awaitable[float]]  # runs once for iteration i, returns its own elapsed ms


def timed(fn: Callable[[int], Awaitable[object]]) -> Op:
    async def op(i: int) -> float:
        t0 = time.perf_counter()
        await fn(i)
        return (time.perf_counter() - t0) * 1000

    return op


async def measure(name: str, op: Op, repeat: int, warmup: int, target: bool = True) -> Result:
    for i in range(warmup):
        await op(i)
    result = Result(name, [await op(warmup + i) for i in range(repeat)], target)
    print(result.row(), flush=True)
    return result


HEADER = (
    f"{'case':<52} {'n':>4} {'median':>7} {'p90':>7} {'p99':>7} {'max':>7}  target <{TARGET_MS:.0f} ms median"
)


# ---------------------------------------------------------------- cases


def scope_op(runtime: Runtime, user_ids: Sequence[int]) -> Op:
    """actor_for_user alone, in a fresh unit of work; loading the User row is not timed."""

    async def op(i: int) -> float:
        async with runtime.uow() as uow:
            user = await uow.session.get(User, user_ids[i % len(user_ids)])
            assert user is not None
            t0 = time.perf_counter()
            await auth.actor_for_user(uow, user)
            return (time.perf_counter() - t0) * 1000

    return op


def authenticate_op(runtime: Runtime, credentials: Sequence[str]) -> Op:
    """What every request pays: fresh unit of work, JWT -> User -> assignments -> Scope."""

    async def run(i: int) -> None:
        async with runtime.uow() as uow:
            await auth.authenticate(uow, credentials[i % len(credentials)])

    return timed(run)


async def actor_of(runtime: Runtime, user_id: int) -> Actor:
    async with runtime.uow() as uow:
        user = await uow.session.get(User, user_id)
        assert user is not None
        return await auth.actor_for_user(uow, user)


def list_tokens_op(runtime: Runtime, actor: Actor, cursor: str | None = None) -> Op:
    async def run(_: int) -> None:
        async with runtime.uow() as uow:
            page = await tokens.list_tokens(uow, actor, cursor=cursor, limit=PAGE)
            assert page.items, "the fleet manager sees no tokens"

    return timed(run)


def list_orgs_op(runtime: Runtime, actor: Actor) -> Op:
    async def run(_: int) -> None:
        async with runtime.uow() as uow:
            page = await orgs.list_organisations(uow, actor, limit=PAGE)
            assert len(page.items) == PAGE

    return timed(run)


async def deep_cursor(runtime: Runtime, actor: Actor) -> str:
    """The cursor of page DEEP_PAGES + 1, found by following next_cursor like a client."""
    cursor: str | None = None
    t0 = time.perf_counter()
    for _ in range(DEEP_PAGES):
        async with runtime.uow() as uow:
            cursor = (await tokens.list_tokens(uow, actor, cursor=cursor, limit=PAGE)).next_cursor
        if cursor is None:
            raise SystemExit(f"the holding fleet manager has fewer than {DEEP_PAGES + 1} pages of tokens")
    print(f"  (walking {DEEP_PAGES} pages of {PAGE} took {(time.perf_counter() - t0) * 1000:.0f} ms in all)")
    return cursor


def http_op(client: httpx.AsyncClient, url: str, credential: str) -> Op:
    headers = {"Authorization": f"Bearer {credential}"}

    async def run(_: int) -> None:
        response = await client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]}")

    return timed(run)


async def run_cases(runtime: Runtime, settings: Settings, args: argparse.Namespace) -> list[Result]:
    rng = random.Random(args.seed + 1)
    rep, warm = args.repeat, args.warmup
    random_users = [rng.randint(LEAF_FM_ID + 1, LEAF_FM_ID + args.users) for _ in range(rep + warm)]
    jwts = [security.issue_access_token(u, settings) for u in random_users]
    fm_jwt = security.issue_access_token(HOLDING_FM_ID, settings)
    results: list[Result] = []
    print("\n" + HEADER)
    results.append(
        await measure("scope: actor_for_user, random users", scope_op(runtime, random_users), rep, warm)
    )
    results.append(
        await measure("scope: actor_for_user, holding FM", scope_op(runtime, [HOLDING_FM_ID]), rep, warm)
    )
    results.append(
        await measure("scope: authenticate(JWT), random users", authenticate_op(runtime, jwts), rep, warm)
    )
    fm = await actor_of(runtime, HOLDING_FM_ID)
    results.append(await measure("tokens page 1, holding FM", list_tokens_op(runtime, fm), rep, warm))
    cursor = await deep_cursor(runtime, fm)
    deep = list_tokens_op(runtime, fm, cursor)
    results.append(await measure(f"tokens page {DEEP_PAGES + 1}, holding FM", deep, rep, warm))
    leaf = list_tokens_op(runtime, await actor_of(runtime, LEAF_FM_ID))
    results.append(await measure("tokens page 1, leaf FM (few tokens)", leaf, rep, warm, target=False))
    results.append(await measure("organisations page 1, holding FM", list_orgs_op(runtime, fm), rep, warm))
    results += await run_http_cases(runtime, settings, args, fm_jwt, cursor)
    return results


async def run_http_cases(
    runtime: Runtime, settings: Settings, args: argparse.Namespace, credential: str, cursor: str
) -> list[Result]:
    """The whole request through the real app: routing, JWT, scope, service, serialisation."""
    app = create_app(settings, runtime)
    urls = {
        "GET /auth/me": "/api/v1/auth/me",
        "GET /organisations": f"/api/v1/organisations?limit={PAGE}",
        "GET /tokens": f"/api/v1/tokens?limit={PAGE}",
        f"GET /tokens page {DEEP_PAGES + 1}": f"/api/v1/tokens?limit={PAGE}&cursor={cursor}",
    }
    results = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for label, url in urls.items():
            op = http_op(client, url, credential)
            results.append(await measure(f"HTTP {label}, holding FM", op, args.repeat, args.warmup))
    return results


# ---------------------------------------------------------------- EXPLAIN


async def capture_sql(runtime: Runtime, call: Callable[[], Awaitable[object]]) -> list[tuple[str, Any]]:
    """The statements (with their bound parameters) that one service call sends."""
    captured: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        captured.append((statement, tuple(parameters or ())))

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", grab)
    try:
        await call()
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", grab)
    return captured


def sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


async def explain(pg: Any, statement: str, params: tuple[Any, ...]) -> None:
    """EXPLAIN ANALYZE twice: planned for these values (what a one-off query gets) and as the
    generic plan, which a prepared statement (asyncpg caches them per connection) may switch to
    after five executions."""
    print(f"\n--- SQL, parameters {list(params)}\n{statement}")
    rows = await pg.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *params)
    print("--- EXPLAIN ANALYZE, custom plan (parameters known)")
    print("\n".join(r[0] for r in rows))
    await pg.execute(f"PREPARE bench_q AS {statement}")
    try:
        await pg.execute("SET plan_cache_mode = force_generic_plan")
        args = ", ".join(sql_literal(v) for v in params)
        rows = await pg.fetch(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_q{f'({args})' if args else ''}")
        print("--- EXPLAIN ANALYZE, generic plan (plan_cache_mode=force_generic_plan)")
        print("\n".join(r[0] for r in rows))
    finally:
        await pg.execute("RESET plan_cache_mode")
        await pg.execute("DEALLOCATE bench_q")


async def explain_token_list(runtime: Runtime) -> None:
    """The plans behind the token-list figures, for the holding and the leaf fleet manager."""
    for label, user_id in (("holding FM", HOLDING_FM_ID), ("leaf FM", LEAF_FM_ID)):
        actor = await actor_of(runtime, user_id)

        async def call(actor: Actor = actor) -> None:
            async with runtime.uow() as uow:
                await tokens.list_tokens(uow, actor, limit=PAGE)

        captured = await capture_sql(runtime, call)
        print(f"\n=== list_tokens(limit={PAGE}) as the {label} sends {len(captured)} statement(s):")
        for statement, _ in captured:
            print("   ", " ".join(statement.split())[:110])
        statements = [s for s in captured if "FROM tokens" in s[0]]
        async with runtime.engine.connect() as conn:
            pg = (await conn.get_raw_connection()).driver_connection
            assert pg is not None
            for statement, params in statements:
                await explain(pg, statement, params)


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--url", default=DEFAULT_URL, help="PostgreSQL database to wipe and fill (name must contain 'bench')"
    )
    p.add_argument("--orgs", type=int, default=10_000)
    p.add_argument("--depth", type=int, default=8, help="depth of the deepest organisations (roots have 0)")
    p.add_argument("--tokens", type=int, default=100_000)
    p.add_argument("--users", type=int, default=50_000, help="random users, besides the two fleet managers")
    p.add_argument("--employees", type=int, default=50_000, help="employees tokens may name")
    p.add_argument("--vehicles", type=int, default=20_000, help="vehicles tokens may name")
    p.add_argument("--holdings", type=int, default=20, help="root organisations")
    p.add_argument("--big-share", type=float, default=0.5, help="share of organisations in the large holding")
    p.add_argument("--repeat", type=int, default=200, help="timed runs per case")
    p.add_argument("--warmup", type=int, default=20, help="untimed runs per case before timing")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--no-explain", action="store_true")
    return p.parse_args()


def code_version() -> str:
    """Which code was measured: the package location and, when it is a git checkout, its commit."""
    where = Path(depotshare.__file__).resolve().parent.parent
    try:
        git = ["git", "-C", str(where)]
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "depotshare"], capture_output=True, text=True
        )
    except OSError:
        return str(where)
    if commit.returncode:
        return str(where)
    return f"{where} @ {commit.stdout.strip()}{' + uncommitted changes' if dirty.stdout.strip() else ''}"


def bench_settings(url: str) -> Settings:
    os.environ["DEPOTSHARE_DATABASE_URL"] = url
    # The app's dependencies verify JWTs with get_settings(); both must share one secret.
    os.environ.setdefault("DEPOTSHARE_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hs256")
    get_settings.cache_clear()
    return get_settings()


async def main() -> None:
    args = parse_args()
    check_bench_database(args.url)
    settings = bench_settings(args.url)
    runtime = Runtime(settings)
    try:
        print(f"database {make_url(args.url).render_as_string(hide_password=True)}; code {code_version()}")
        forest = await load(runtime, args)
        await describe_data(runtime, forest)
        results = await run_cases(runtime, settings, args)
        if not args.no_explain:
            await explain_token_list(runtime)
        failed = [r.name for r in results if r.target and r.quantile(0.5) >= TARGET_MS]
        print(f"\n{len(results)} cases; over the {TARGET_MS:.0f} ms median target: {failed or 'none'}")
    finally:
        await runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
