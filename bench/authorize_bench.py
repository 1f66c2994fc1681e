"""Authorize decisions at scale on PostgreSQL, in-process. Prints figures; not a test.

Requirement (issue 4): with 500 partners, 200,000 tokens and 5,000 grants, an Authorize decision
(token look-up, the location's grants, the engine, the decision log append with its hash chain,
commit) takes under 5 ms median and 20 ms p99 in-process. The script drops and recreates the
public schema of the bench database, bulk-loads a synthetic host with depots and partners, then
times `services.authorization.authorize_request` exactly as the OCPP Authorize handler calls it.

    python bench/authorize_bench.py [--url postgresql+asyncpg://root@127.0.0.1:5432/test_bench]
        [--partners 500] [--tokens 200000] [--grants 5000] [--locations 100] [--repeat 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from scope_bench import (
    DEFAULT_URL,
    TOKEN_COLUMNS,
    Records,
    Result,
    bench_settings,
    check_bench_database,
    code_version,
    copy_rows,
    reset_and_migrate,
)
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine.url import make_url

from depotshare.domain.access.decision_chain import verify
from depotshare.domain.fleet.tokens import TokenType, normalise_uid
from depotshare.domain.orgs import tree
from depotshare.services.access import authorization
from depotshare.services.runtime import Runtime
from depotshare.store.access.decisions import as_entry
from depotshare.store.access.models import AccessDecision, Grant, GrantScope, Partnership
from depotshare.store.charging.models import ChargingSession
from depotshare.store.sites.models import ChargingStation, Connector, Evse, Location

MEDIAN_MS, P99_MS = 5.0, 20.0
HOST_DEPOT_OWNERS = 10  # subsidiaries of the host holding that own the depots
STATIONS_PER_LOCATION = 10
WINDOWS = [
    [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "20:00", "end": "06:00"}],
    [{"days": ["sat", "sun"], "start": "00:00", "end": "24:00"}],
    [],
]


class World:
    """What was loaded, for choosing requests."""

    def __init__(self) -> None:
        self.org_records: Records = []
        self.paths: dict[int, str] = {}
        self.partner_roots: list[int] = []
        self.partner_orgs: dict[int, list[int]] = {}  # root -> its orgs
        self.owners: list[int] = []
        self.locations: list[int] = []
        self.stations_at: dict[int, list[int]] = {}
        self.tokens_of: dict[int, list[str]] = {}  # org -> uids
        self.granted: dict[int, list[int]] = {}  # partner root -> locations its grants name
        self.internal: list[str] = []

    def add_org(self, parent: int | None, now: datetime) -> int:
        org_id = len(self.org_records) + 1
        path = tree.path_of(self.paths[parent] if parent else None, org_id)
        self.paths[org_id] = path
        self.org_records.append(
            (org_id, f"org-{org_id}", f"Organisation {org_id}", parent, path, tree.depth_of(path), now)
        )
        return org_id


def build_orgs(world: World, partners: int, now: datetime) -> None:
    host = world.add_org(None, now)
    world.owners = [world.add_org(host, now) for _ in range(HOST_DEPOT_OWNERS)]
    for _ in range(partners):
        root = world.add_org(None, now)
        world.partner_roots.append(root)
        world.partner_orgs[root] = [root, world.add_org(root, now), world.add_org(root, now)]


def token_records(world: World, n: int, rng: random.Random, now: datetime) -> Records:
    """90 % partner cards spread over the partners' organisations, 10 % the host's own fleet."""
    seen: set[str] = set()
    out: Records = []
    partner_orgs = [o for orgs in world.partner_orgs.values() for o in orgs]
    while len(out) < n:
        uid = normalise_uid(f"{rng.getrandbits(56):014x}", TokenType.RFID)
        if uid in seen:
            continue
        seen.add(uid)
        internal = rng.random() < 0.1
        org = rng.choice(world.owners) if internal else rng.choice(partner_orgs)
        world.tokens_of.setdefault(org, []).append(uid)
        if internal:
            world.internal.append(uid)
        i = len(out) + 1
        out.append((i, org, uid, "RFID", "active", f"Card {i}", None, None, None, now))
    return out


async def load_sites(runtime: Runtime, world: World, n_locations: int) -> None:
    async with runtime.engine.begin() as conn:
        locations = [
            {
                "id": i,
                "org_id": world.owners[i % len(world.owners)],
                "key": f"depot-{i}",
                "name": f"Depot {i}",
                "timezone": "Europe/Berlin",
            }
            for i in range(1, n_locations + 1)
        ]
        await conn.execute(insert(Location), locations)
        stations, evses, connectors = [], [], []
        for loc in range(1, n_locations + 1):
            for s in range(STATIONS_PER_LOCATION):
                sid = len(stations) + 1
                stations.append({"id": sid, "location_id": loc, "ocpp_id": f"CP-{loc}-{s}"})
                world.stations_at.setdefault(loc, []).append(sid)
                for e in (1, 2):
                    epk = len(evses) + 1
                    evses.append({"id": epk, "station_id": sid, "evse_id": e})
                    standard = "IEC_62196_T2_COMBO" if e == 1 else "IEC_62196_T2"
                    connectors.append(
                        {"evse_pk": epk, "connector_id": 1, "standard": standard, "max_kw": 150}
                    )
        await conn.execute(insert(ChargingStation), stations)
        await conn.execute(insert(Evse), evses)
        await conn.execute(insert(Connector), connectors)
        world.locations = [loc["id"] for loc in locations]


async def load_grants(runtime: Runtime, world: World, n_grants: int, rng: random.Random) -> None:
    """One partnership per partner with a host subsidiary; grants spread evenly, each naming one to
    three depots (or a single station), a third with night windows, a fifth with a concurrency limit."""
    per_partner = max(1, n_grants // len(world.partner_roots))
    partnerships, grants, scopes = [], [], []
    for p, root in enumerate(world.partner_roots, start=1):
        partnerships.append(
            {
                "id": p,
                "key": f"pship-{p}",
                "host_org_id": world.owners[p % len(world.owners)],
                "partner_org_id": root,
                "status": "active",
                "revenue_share": [],
            }
        )
        for g in range(per_partner):
            gid = len(grants) + 1
            subject = rng.choice(world.partner_orgs[root]) if rng.random() < 0.3 else None
            grants.append(
                {
                    "id": gid,
                    "key": f"grant-{gid}",
                    "partnership_id": p,
                    "host_org_id": world.owners[p % len(world.owners)],
                    "subject_org_id": subject,
                    "windows": WINDOWS[g % len(WINDOWS)],
                    "max_concurrent": 3 if rng.random() < 0.2 else None,
                    "priority": rng.randint(2, 5),
                    "status": "active",
                }
            )
            # Partnerships are with the holding's subsidiaries; their depots are any of the host's,
            # since the grant counts only where its partnership's host owns the location.
            owned = [
                loc
                for loc in world.locations
                if world.owners[loc % len(world.owners)] == grants[-1]["host_org_id"]
            ]
            for loc in rng.sample(owned, k=min(len(owned), rng.randint(1, 3))):
                if rng.random() < 0.2:
                    scopes.append(
                        {
                            "grant_id": gid,
                            "location_id": None,
                            "station_id": rng.choice(world.stations_at[loc]),
                        }
                    )
                else:
                    scopes.append({"grant_id": gid, "location_id": loc, "station_id": None})
                    world.granted.setdefault(root, []).append(loc)
    async with runtime.engine.begin() as conn:
        await conn.execute(insert(Partnership), partnerships)
        await conn.execute(insert(Grant), grants)
        await conn.execute(insert(GrantScope), scopes)
        for table in ("partnerships", "grants", "grant_scopes", "locations", "charging_stations", "evses"):
            await conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
        await conn.execute(text("ANALYZE"))


async def running_sessions(runtime: Runtime, world: World, rng: random.Random, n: int) -> None:
    """Sessions in progress, so that concurrency limits have something to count."""
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        root = rng.choice(world.partner_roots)
        loc = rng.choice(world.granted.get(root) or world.locations)
        rows.append(
            {
                "location_id": loc,
                "owner_org_id": world.owners[loc % len(world.owners)],
                "station_id": rng.choice(world.stations_at[loc]),
                "protocol": "ocpp1.6",
                "transaction_id": f"bench-{i}",
                "state": "active",
                "started_at": now - timedelta(minutes=rng.randint(1, 300)),
                "token_org_id": rng.choice(world.partner_orgs[root]),
                "flags": [],
            }
        )
    async with runtime.engine.begin() as conn:
        await conn.execute(insert(ChargingSession), rows)


def requests(world: World, rng: random.Random, n: int) -> list[tuple[int, str, int | None]]:
    """(station, id token, evse): 60 % partner cards at a depot their grants name, 15 % partner
    cards elsewhere, 15 % the host's own fleet, 10 % unknown cards; half name an EVSE (as a start
    does), half none (as a 1.6 Authorize)."""
    out = []
    granted_roots = [r for r in world.partner_roots if world.granted.get(r)]
    for _ in range(n):
        roll = rng.random()
        if roll < 0.6:
            root = rng.choice(granted_roots)
            loc = rng.choice(world.granted[root])
            org = rng.choice([o for o in world.partner_orgs[root] if world.tokens_of.get(o)])
            uid = rng.choice(world.tokens_of[org])
        elif roll < 0.75:
            root = rng.choice(world.partner_roots)
            org = rng.choice([o for o in world.partner_orgs[root] if world.tokens_of.get(o)])
            uid, loc = rng.choice(world.tokens_of[org]), rng.choice(world.locations)
        elif roll < 0.9:
            uid, loc = rng.choice(world.internal), rng.choice(world.locations)
        else:
            uid, loc = f"{rng.getrandbits(32):08X}", rng.choice(world.locations)
        out.append((rng.choice(world.stations_at[loc]), uid, rng.choice([1, 2, None])))
    return out


async def measure(
    runtime: Runtime, reqs: list[tuple[int, str, int | None]], warmup: int
) -> tuple[Result, Counter[str]]:
    outcomes: Counter[str] = Counter()
    samples: list[float] = []
    cpu = 0.0
    now = datetime(2026, 11, 17, 21, 30, tzinfo=UTC)  # a Tuesday night: night windows open
    for i, (station, uid, evse) in enumerate(reqs):
        t0, c0 = time.perf_counter(), time.process_time()
        async with runtime.uow() as uow:
            decision = await authorization.authorize_request(
                uow, station, uid, evse, now + timedelta(seconds=i)
            )
        elapsed = (time.perf_counter() - t0) * 1000
        if i >= warmup:
            samples.append(elapsed)
            cpu += time.process_time() - c0
            outcomes[decision.status.value] += 1
    # Wall time on a busy machine includes waiting for a core; this part is the process's own.
    print(f"this process's CPU per decision: {cpu / len(samples) * 1000:.2f} ms")
    return Result("Authorize: decision + log append + commit (ms)", samples, True), outcomes


async def check_chains(runtime: Runtime) -> int:
    """The log written by the run verifies, location by location."""
    async with runtime.uow() as uow:
        locations = (await uow.session.scalars(select(AccessDecision.location_id).distinct())).all()
        for loc in locations:
            rows = (
                await uow.session.scalars(
                    select(AccessDecision)
                    .where(AccessDecision.location_id == loc)
                    .order_by(AccessDecision.id)
                )
            ).all()
            assert verify([as_entry(r) for r in rows], head=rows[-1].hash) is None, f"chain broken at {loc}"
        return len(locations)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--partners", type=int, default=500)
    p.add_argument("--tokens", type=int, default=200_000)
    p.add_argument("--grants", type=int, default=5_000)
    p.add_argument("--locations", type=int, default=100)
    p.add_argument("--sessions", type=int, default=500, help="running sessions")
    p.add_argument("--repeat", type=int, default=3_000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args()


async def main() -> None:
    args = parse_args()
    check_bench_database(args.url)
    runtime = Runtime(bench_settings(args.url))
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    try:
        print(f"database {make_url(args.url).render_as_string(hide_password=True)}; code {code_version()}")
        t0 = time.perf_counter()
        await reset_and_migrate(runtime)
        world = World()
        build_orgs(world, args.partners, now)
        tokens = token_records(world, args.tokens, rng, now)
        await copy_rows(
            runtime,
            [
                (
                    "organisations",
                    ["id", "key", "name", "parent_id", "path", "depth", "created_at"],
                    world.org_records,
                ),
                ("tokens", TOKEN_COLUMNS, tokens),
            ],
        )
        await load_sites(runtime, world, args.locations)
        await load_grants(runtime, world, args.grants, rng)
        await running_sessions(runtime, world, rng, args.sessions)
        async with runtime.uow() as uow:
            counts = {
                name: await uow.session.scalar(select(func.count()).select_from(model))
                for name, model in (
                    ("partnerships", Partnership),
                    ("grants", Grant),
                    ("grant scopes", GrantScope),
                )
            }
        print(
            f"load {time.perf_counter() - t0:.1f} s: {len(world.org_records)} organisations, "
            f"{len(world.partner_roots)} partners, {len(tokens)} tokens, "
            + ", ".join(f"{v} {k}" for k, v in counts.items())
            + f", {len(world.locations)} depots x {STATIONS_PER_LOCATION} stations, {args.sessions} running sessions"
        )
        reqs = requests(world, rng, args.repeat + args.warmup)
        result, outcomes = await measure(runtime, reqs, args.warmup)
        med, p99 = result.quantile(0.5), result.quantile(0.99)
        print(f"{'case':<52} {'n':>4} {'median':>7} {'p90':>7} {'p99':>7} {'max':>7}")
        print(result.row().rsplit("  ", 1)[0])
        print("decisions: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
        print(f"decision log chains verified at {await check_chains(runtime)} depots")
        verdict = "PASS" if med < MEDIAN_MS and p99 < P99_MS else "FAIL"
        print(
            f"target median < {MEDIAN_MS:.0f} ms and p99 < {P99_MS:.0f} ms: {verdict} ({med:.2f} / {p99:.2f} ms)"
        )
    finally:
        await runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
