"""First-run helpers: the first platform admin login."""

from __future__ import annotations

from depotshare.config import Settings
from depotshare.domain.orgs.roles import Role
from depotshare.services.orgs import security
from depotshare.services.runtime import Runtime
from depotshare.store.orgs.models import RoleAssignment, User
from depotshare.store.orgs.users import Users


async def ensure_platform_admin(settings: Settings, email: str, name: str, password: str) -> bool:
    """Create the login or reset its password; returns True when it was created."""
    runtime = Runtime(settings)
    try:
        await runtime.require_current_schema()
        async with runtime.uow() as uow:
            user = await uow.repo(Users).get_by_email(email)
            created = user is None
            if user is None:
                user = User(email=email.strip().lower(), name=name)
                uow.repo(Users).add(user)
            user.password_hash = security.hash_password(password)
            user.is_active = True
            await uow.flush()
            if await uow.repo(Users).find_assignment(user.id, None, Role.PLATFORM_ADMIN.value) is None:
                uow.repo(Users).add(
                    RoleAssignment(user_id=user.id, org_id=None, role=Role.PLATFORM_ADMIN.value)
                )
            await uow.commit()
            return created
    finally:
        await runtime.close()
