"""First-run helpers: the first platform admin login."""

from __future__ import annotations

from depotshare.config import Settings
from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import security
from depotshare.services.runtime import Runtime
from depotshare.store.orgs.models import RoleAssignment, User
from depotshare.store.orgs.organisations import get_user_by_email
from depotshare.store.orgs.users import find_assignment


async def ensure_platform_admin(settings: Settings, email: str, name: str, password: str) -> bool:
    """Create the login or reset its password; returns True when it was created."""
    runtime = Runtime(settings)
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            user = await get_user_by_email(uow.session, email)
            created = user is None
            if user is None:
                user = User(email=email.strip().lower(), name=name)
                uow.session.add(user)
            user.password_hash = security.hash_password(password)
            user.is_active = True
            await uow.flush()
            if await find_assignment(uow.session, user.id, None, Role.PLATFORM_ADMIN.value) is None:
                uow.session.add(RoleAssignment(user_id=user.id, org_id=None, role=Role.PLATFORM_ADMIN.value))
            await uow.commit()
            return created
    finally:
        await runtime.close()
