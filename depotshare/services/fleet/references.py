"""What a fleet object points at and what points at it must stay inside one organisation's
lineage: a reference kept through a move must still fit, and a move must strand no referrer."""

from __future__ import annotations

from typing import Protocol

from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.services.common.ownership import in_lineage
from depotshare.store.orgs.models import Organisation


class _Owned(Protocol):
    @property
    def org_id(self) -> int: ...


class ById(Protocol):
    async def get_by_id(self, row_id: int, /) -> _Owned | None: ...


class Referenced(Protocol):
    async def referrers(self, target_id: int, outside: str | None = None, /) -> dict[str, int]: ...


async def keep_reference(repo: ById, ref_id: int | None, org: Organisation, path: str) -> None:
    """A reference left untouched by a move must still point into the new organisation's lineage."""
    if ref_id is None:
        return
    ref = await repo.get_by_id(ref_id)
    if ref is not None and not in_lineage(ref.org_id, org):
        raise InvalidInput(
            path, f"it belongs to an organisation outside {org.key!r} and its parents; change or clear it"
        )


async def ensure_not_stranded(repo: Referenced, target_id: int, new_org: Organisation, what: str) -> None:
    """Moving a referenced object must leave every referrer inside the new organisation's subtree."""
    counts = await repo.referrers(target_id, new_org.path)
    if counts:
        used = ", ".join(f"{n} {name}" for name, n in counts.items())
        raise Conflict(f"org: {what} is used by {used} outside {new_org.key!r}; reassign them first")
