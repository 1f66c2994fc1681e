"""Property: for any mix of locations (published or not, shown to chosen tokens or not, home
charger or not), the OCPI list holds exactly the publishable ones, each once, and every other one
is unknown by id."""

from __future__ import annotations

import asyncio

from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from depotshare.api.app import create_app
from depotshare.config import Settings
from depotshare.services.runtime import Runtime
from depotshare.store.models import Base
from tests.ocpi.helpers import BASE, auth, import_yaml, site

Spec = tuple[bool, bool, bool]  # publish, publish_allowed_to given, home charger
specs = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.booleans()).filter(lambda s: not (s[0] and s[1])),
    max_size=8,
)


async def _wipe(rt: Runtime) -> None:
    async with rt.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(text(f"DELETE FROM {table.name}"))


async def _scenario(settings_: Settings, locations: list[Spec], page: int) -> None:
    rt = Runtime(settings_)
    try:
        await _wipe(rt)
        entries = "".join(
            site(
                f"l{i}",
                publish=publish,
                allowed_to="[{group_id: G1}]" if allowed else None,
                home="emp-1" if home else None,
            )
            for i, (publish, allowed, home) in enumerate(locations)
        )
        await import_yaml(rt, BASE + ("locations:\n" + entries if entries else ""))
        # The oracle: never a home charger; otherwise published, or private with publish_allowed_to.
        expected = [f"l{i}" for i, (p, a, h) in enumerate(locations) if not h and (p or a)]
        app = create_app(settings_, runtime=rt)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
            seen: list[str] = []
            url: str | None = f"/ocpi/2.2.1/locations?limit={page}"
            while url is not None:
                r = await client.get(url, headers=auth())
                assert r.status_code == 200 and r.headers["x-total-count"] == str(len(expected))
                seen += [loc["id"] for loc in r.json()["data"]]
                link = r.headers.get("link")
                url = link.split(">")[0].removeprefix("<") if link else None
            assert seen == expected
            for i, (publish, _, _) in enumerate(locations):
                r = await client.get(f"/ocpi/2.2.1/locations/l{i}", headers=auth())
                assert r.status_code == (200 if f"l{i}" in expected else 404)
                if r.status_code == 200:
                    assert r.json()["data"]["publish"] is publish
                    assert ("publish_allowed_to" in r.json()["data"]) is (not publish)
    finally:
        await _wipe(rt)
        await rt.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs, st.integers(1, 3))
def test_the_list_holds_exactly_the_publishable_locations(
    runtime: Runtime, settings: Settings, locations: list[Spec], page: int
) -> None:
    del runtime  # only here so the schema is migrated first
    asyncio.run(_scenario(settings, locations, page))
