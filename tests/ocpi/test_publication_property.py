"""Property: for any mix of locations (published or not, shown to chosen tokens or not, home
charger or not), the OCPI list holds exactly the publishable ones, each once, and every other one
is unknown by id."""

from __future__ import annotations

from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depotshare.services.runtime import Runtime
from tests.conftest import BACKEND
from tests.ocpi.helpers import BASE, auth, import_yaml, site
from tests.support.databases import clean

Spec = tuple[bool, bool, bool]  # publish, publish_allowed_to given, home charger
specs = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.booleans()).filter(lambda s: not (s[0] and s[1])),
    max_size=8,
)


# One example after the other on the suite's loop, app and database, emptied before each.
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs, st.integers(1, 3))
async def test_the_list_holds_exactly_the_publishable_locations(
    runtime: Runtime, client: AsyncClient, locations: list[Spec], page: int
) -> None:
    await clean(runtime.engine, BACKEND)
    entries = "".join(
        site(
            f"l{i}",
            publish=publish,
            allowed_to="[{group_id: G1}]" if allowed else None,
            home="emp-1" if home else None,
        )
        for i, (publish, allowed, home) in enumerate(locations)
    )
    await import_yaml(runtime, BASE + ("locations:\n" + entries if entries else ""))
    # The oracle: never a home charger; otherwise published, or private with publish_allowed_to.
    expected = [f"l{i}" for i, (p, a, h) in enumerate(locations) if not h and (p or a)]
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
