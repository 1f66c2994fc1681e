"""What a fleet object points at and what points at it must stay inside one organisation's
lineage: a reference kept through a move must still fit, and a move must strand no referrer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from depotshare.domain.common.actor import Actor
from depotshare.domain.common.errors import Conflict, InvalidInput
from depotshare.services.common.ownership import in_lineage
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.store.orgs.models import Organisation


class _Owned(Protocol):
    @property
    def org_id(self) -> int: ...


_R = TypeVar("_R", bound=_Owned)


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


Resolve = Callable[[UnitOfWork, Actor, str, Organisation], Awaitable[Any]]


@dataclass(frozen=True)
class Reference:
    """A key reference of a fleet object: the field the API and the import name it by, the column
    it sets, how a key is resolved for an actor, and the repository that finds a kept one."""

    field: str
    column: str
    resolve: Resolve
    repo: type[Any]


def named(patch: Any, refs: Sequence[Reference]) -> dict[str, str | None]:
    """The references a patch gives (`patch.given`), field -> key (None clears it)."""
    return {ref.field: getattr(patch, ref.field) for ref in refs if ref.field in patch.given}


async def assign(
    uow: UnitOfWork,
    actor: Actor,
    wanted: Mapping[str, str | None],
    refs: Sequence[Reference],
    owner: Organisation,
    kept_from: object | None = None,
) -> dict[str, int | None]:
    """The columns of the references in `wanted` (field -> key, None clears it), each resolved for
    the actor within `owner`'s lineage. With `kept_from` (a row moving to `owner`), references it
    keeps must still fit there."""
    columns: dict[str, int | None] = {}
    for ref in refs:
        if ref.field in wanted:
            key = wanted[ref.field]
            columns[ref.column] = (await ref.resolve(uow, actor, key, owner)).id if key else None
        elif kept_from is not None:
            await keep_reference(uow.repo(ref.repo), getattr(kept_from, ref.column), owner, ref.field)
    return columns


def in_reach(row: _R | None, what: str, key: str, org: Organisation, path: str) -> _R:
    """A referenced object found for the actor: it must belong to `org` or one of its ancestors."""
    if row is None or not in_lineage(row.org_id, org):
        raise InvalidInput(path, f"no {what} {key!r} in organisation {org.key!r} or its parents")
    return row
