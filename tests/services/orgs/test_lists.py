"""The organisation and login lists: `q` searches the name in any case and the lowercase key or
email, and the cursor walks the list in id order."""

from __future__ import annotations

from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import organisations, users
from depotshare.services.runtime import Runtime
from tests.support.helpers import SYSTEM, make_tree, make_user


async def test_search_and_pages(runtime: Runtime) -> None:
    await make_tree(runtime, {"holding": None, "north": "holding", "south": "holding"})
    await make_user(runtime, "Ann@North.example", (Role.DRIVER, "north"))
    async with runtime.uow() as uow:
        found = await organisations.list_organisations(uow, SYSTEM, q="NOR")
        first = await organisations.list_organisations(uow, SYSTEM, limit=1)
        rest = await organisations.list_organisations(uow, SYSTEM, limit=5, cursor=first.next_cursor)
        logins = await users.list_users(uow, SYSTEM, q="ANN@")
    assert [o.key for o in found.items] == ["north"]
    assert [o.key for o in first.items + rest.items] == ["holding", "north", "south"]
    assert rest.next_cursor is None
    assert [u.email for u in logins.items] == ["ann@north.example"]
