"""The organisation forest as materialised paths.

Each organisation stores the ids from its root down to itself as `/1/7/42/`. A subtree is then
a string prefix, which a plain B-tree index answers, and moving a subtree is one prefix rewrite.
"""

from __future__ import annotations

from collections.abc import Iterable

from depotshare.domain.common.errors import Conflict


def path_of(parent_path: str | None, org_id: int) -> str:
    return f"{parent_path or '/'}{org_id}/"


def depth_of(path: str) -> int:
    """Root organisations have depth 0."""
    return path.count("/") - 2


def ids_on_path(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def is_within(path: str, ancestor_path: str) -> bool:
    """True when `path` is `ancestor_path` itself or one of its descendants."""
    return path.startswith(ancestor_path)


def reached_by(path: str, prefixes: Iterable[str]) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


def minimal_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Drop prefixes already covered by a shorter one, so queries test as few as possible."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return tuple(sorted(kept))


def moved_path(path: str, old_prefix: str, new_prefix: str) -> str:
    if not path.startswith(old_prefix):
        raise ValueError(f"{path} is not under {old_prefix}")
    return new_prefix + path[len(old_prefix) :]


def check_move(org_path: str, new_parent_path: str | None) -> None:
    """Refuse moves that would make an organisation its own ancestor."""
    if new_parent_path is not None and is_within(new_parent_path, org_path):
        raise Conflict("an organisation cannot be moved under itself or one of its descendants")
