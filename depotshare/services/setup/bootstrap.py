"""First-run helpers: the first platform admin login."""

from __future__ import annotations

from depotshare.config import Settings
from depotshare.domain.common.actor import Actor
from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs.users import apply_user, find_user, held_roles, password_setter
from depotshare.services.runtime import Runtime


async def ensure_platform_admin(settings: Settings, email: str, name: str, password: str) -> bool:
    """Create the login or reset its password; returns True when it was created. Written and
    audited as the API writes a login (apply_user), by the actor `create-admin`."""
    runtime = Runtime(settings)
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            user = await find_user(uow, email)
            await apply_user(
                uow,
                Actor.system("create-admin"),
                user,
                email=email.strip().lower(),
                name=name if user is None else None,
                is_active=True,
                credential=password_setter(password),
                roles=[(Role.PLATFORM_ADMIN, None)],
                held=await held_roles(uow, user) if user else (),
            )
            await uow.commit()
            return user is None
    finally:
        await runtime.close()
